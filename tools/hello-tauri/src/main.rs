//! The smallest Tauri 2 app: one window showing one static page. ./x bench-desktop measures its
//! memory the same way as PasarSuara's, on the same machine, as the baseline.
fn main() {
    tauri::Builder::default()
        .run(tauri::generate_context!())
        .unwrap_or_else(|e| eprintln!("hello-tauri: {e}"));
}
