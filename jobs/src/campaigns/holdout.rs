//! The control group: a member is held out of a campaign when a stable hash of (campaign,
//! member) falls below the share, so the split never changes between occurrences or releases.
use sha2::{Digest, Sha256};

/// Whether `member_id` is in `campaign_id`'s control group of `basis_points` (1,000 = 10%).
pub fn held_out(campaign_id: i64, member_id: i64, basis_points: i32) -> bool {
    held_out_of(&campaign_id.to_string(), member_id, basis_points)
}

/// Whether `member_id` is in the control group of `scope` (a campaign's id, a kind of task).
pub fn held_out_of(scope: &str, member_id: i64, basis_points: i32) -> bool {
    basis_points > 0 && bucket(scope, member_id) < u64::try_from(basis_points).unwrap_or(0)
}

/// The member's stable bucket in `scope`, 0–9,999: the control group is the buckets below its
/// share, a journey's A/B split gives each arm a run of buckets.
pub fn bucket(scope: &str, member_id: i64) -> u64 {
    let digest = Sha256::digest(format!("patron-holdout:{scope}:{member_id}"));
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    u64::from_be_bytes(first) % 10_000
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_share_holds_within_two_percent_and_the_split_is_stable() {
        let held = (1..=10_000).filter(|m| held_out(7, *m, 1_000)).count();
        assert!((800..=1_200).contains(&held), "{held} of 10,000 held out at 10%");
        let again = (1..=10_000).filter(|m| held_out(7, *m, 1_000)).count();
        assert_eq!(held, again);
        let other = (1..=10_000)
            .filter(|m| held_out(8, *m, 1_000) == held_out(7, *m, 1_000))
            .count();
        assert!(other < 10_000, "another campaign splits differently");
        assert!(!(1..=1_000).any(|m| held_out(7, m, 0)));
    }
}
