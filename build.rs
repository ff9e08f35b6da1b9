//! The console is built by Vite and committed as `console/dist`; the binary embeds it. Fail
//! here, clearly, rather than in the embedding macro, when it is missing.
fn main() {
    println!("cargo:rerun-if-changed=console/dist");
    if !std::path::Path::new("console/dist/index.html").is_file() {
        panic!(
            "console/dist/index.html is missing: the console's build is committed with the source. \
             Restore it with `git checkout -- console/dist`, or rebuild it with \
             `cd console && npm ci && npm run build` (Node.js 20)."
        );
    }
}
