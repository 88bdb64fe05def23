//! Regenerates `models/schemas/*.json` from the models:
//! `cargo run -p brokerhooks-models --features schema --example write-schemas`

fn main() -> std::io::Result<()> {
    let dir = brokerhooks_models::schema::committed_dir();
    brokerhooks_models::schema::write_all(&dir)?;
    for file in brokerhooks_models::schema::all() {
        println!("{}", dir.join(file.file_name).display());
    }
    Ok(())
}
