//! Coupon codes: ten random symbols and a check symbol, from Crockford's base-32 alphabet (no I,
//! L, O or U, so nothing reads as another symbol), shown as `K7QM-3ZP9-XW4`.
//!
//! Fifty random bits: guessing a live code among a million takes on the order of 10⁹ tries. The
//! check symbol (Luhn mod N) catches every single mistyped symbol and almost every swap of two
//! neighbours before the database is asked, so a typo at the counter gets "not a code" rather
//! than "no such coupon".
use rand::Rng;

const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const RANDOM_SYMBOLS: usize = 10;

/// A new code, as stored (no separators).
pub fn generate() -> String {
    let mut rng = rand::thread_rng();
    let body: Vec<usize> = (0..RANDOM_SYMBOLS).map(|_| rng.gen_range(0..ALPHABET.len())).collect();
    let check = check_symbol(&body);
    body.iter().chain([&check]).map(|&i| ALPHABET[i] as char).collect()
}

/// A code as typed (any case, with or without separators, O for 0 and I or L for 1) as stored;
/// `None` when it is not a code at all (wrong length or symbol, or a failed check).
pub fn normalize(typed: &str) -> Option<String> {
    let values: Vec<usize> = typed
        .chars()
        .filter(|c| !matches!(c, '-' | ' '))
        .map(|c| match c.to_ascii_uppercase() {
            'O' => Some(0),
            'I' | 'L' => Some(1),
            c => ALPHABET.iter().position(|&a| a as char == c),
        })
        .collect::<Option<_>>()?;
    let (&check, body) = values.split_last()?;
    if body.len() != RANDOM_SYMBOLS || check_symbol(body) != check {
        return None;
    }
    Some(values.iter().map(|&i| ALPHABET[i] as char).collect())
}

/// A stored code as shown: Patron's own in groups of four, an imported one as it is.
pub fn display(code: &str) -> String {
    if !is_generated(code) {
        return code.to_owned();
    }
    let symbols: Vec<char> = code.chars().collect();
    symbols
        .chunks(4)
        .map(|group| group.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join("-")
}

/// Whether a stored code is one of Patron's own.
fn is_generated(code: &str) -> bool {
    normalize(code).is_some_and(|normal| normal == code)
}

/// Whether typed text has the shape of Patron's codes (eleven symbols of its alphabet, however
/// separated), whatever its check symbol says: a miss on such text is likely a typo.
pub fn looks_generated(typed: &str) -> bool {
    let symbols: Vec<char> = typed.chars().filter(|c| !matches!(c, '-' | ' ')).collect();
    symbols.len() == RANDOM_SYMBOLS + 1
        && symbols.iter().all(|c| {
            matches!(c.to_ascii_uppercase(), 'O' | 'I' | 'L') || ALPHABET.contains(&(c.to_ascii_uppercase() as u8))
        })
}

/// Luhn mod N over symbol values: from the right, every second value doubled, its base-N digits
/// summed; the check value brings the sum to a multiple of N.
fn check_symbol(values: &[usize]) -> usize {
    let n = ALPHABET.len();
    let sum: usize = values
        .iter()
        .rev()
        .enumerate()
        .map(|(position, &value)| {
            let value = if position % 2 == 0 { value * 2 } else { value };
            value / n + value % n
        })
        .sum();
    (n - sum % n) % n
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_generated_code_reads_back_however_it_is_typed() {
        for _ in 0..1000 {
            let code = generate();
            assert_eq!(code.len(), 11);
            let shown = display(&code);
            assert_eq!(shown.len(), 13, "{shown}");
            assert_eq!(normalize(&shown).as_deref(), Some(code.as_str()));
            assert_eq!(
                normalize(&shown.to_lowercase().replace('-', " ")).as_deref(),
                Some(code.as_str())
            );
            let misread = code.replace('0', "O").replace('1', "l");
            assert_eq!(normalize(&misread).as_deref(), Some(code.as_str()), "{misread}");
        }
    }

    #[test]
    fn every_single_mistyped_symbol_and_most_swaps_fail_the_check() {
        let code = generate();
        let symbols: Vec<char> = code.chars().collect();
        for at in 0..symbols.len() {
            for &other in ALPHABET.iter().filter(|&&a| a as char != symbols[at]) {
                let mut typo = symbols.clone();
                typo[at] = other as char;
                let typo: String = typo.into_iter().collect();
                assert_eq!(normalize(&typo), None, "{code} → {typo}");
            }
        }
        // Luhn mod N misses a swap of the two symbols whose values are 0 and N−1 apart only.
        let swaps_caught = (0..symbols.len() - 1)
            .filter(|&at| symbols[at] != symbols[at + 1])
            .all(|at| {
                let mut swapped = symbols.clone();
                swapped.swap(at, at + 1);
                let pair = [symbols[at], symbols[at + 1]];
                normalize(&swapped.into_iter().collect::<String>()).is_none()
                    || pair.contains(&'0') && pair.contains(&'Z')
            });
        assert!(swaps_caught, "{code}");
    }

    #[test]
    fn an_imported_code_is_shown_as_it_is() {
        assert_eq!(display("POS-2026-000017"), "POS-2026-000017");
        assert!(looks_generated("k7qm 3zp9 xw5"));
        assert!(!looks_generated("POS-2026-000017"));
    }

    #[test]
    fn what_is_not_a_code_is_refused() {
        for typed in ["", "K7QM-3ZP9-XW", "K7QM-3ZP9-XW4Q", "K7QM-3ZP9-XU4", "优惠券"] {
            assert_eq!(normalize(typed), None, "{typed}");
        }
    }
}
