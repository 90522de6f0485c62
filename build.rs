// Migrations are embedded in the binary: a new or changed one must trigger a rebuild.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
