//! Link the driver so that its calls between its own SQL* functions bind inside the library:
//! the Driver Manager (libodbc) exports the same names and is loaded first.
fn main() {
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux") {
        println!("cargo:rustc-cdylib-link-arg=-Wl,-Bsymbolic-functions");
    }
    println!("cargo:rerun-if-changed=build.rs");
}
