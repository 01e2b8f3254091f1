//! The PDF engine the binary plugs into the reports (renkou-documents-pdf, typst):
//! behind the `pdf` feature, so a build without it still makes .docx and xlsx.
//! Fonts come from `RENKOU_FONT_DIRS` (folders separated by `:`), by default
//! Debian's CJK fonts; they are read once, on the first PDF, and kept.

use anyhow::Result;
use renkou_reports::output::PdfWriter;
use renkou_reports::Format;
use std::sync::Arc;

#[cfg(feature = "pdf")]
mod engine {
    use renkou_reports::output::PdfWriter;
    use std::sync::OnceLock;

    /// Loads the fonts on first use (a server that never makes a PDF never
    /// reads them).
    #[derive(Default)]
    pub struct Lazy(OnceLock<Result<renkou_documents_pdf::PdfEngine, String>>);

    fn load() -> Result<renkou_documents_pdf::PdfEngine, String> {
        let mut config = renkou_documents_pdf::PdfConfig::default();
        if let Ok(dirs) = std::env::var("RENKOU_FONT_DIRS") {
            config.font_dirs = dirs
                .split(':')
                .filter(|d| !d.is_empty())
                .map(Into::into)
                .collect();
        }
        renkou_documents_pdf::PdfEngine::new(&config)
            .map_err(|e| format!("PDF 字体 / PDF fonts: {e}"))
    }

    impl PdfWriter for Lazy {
        fn write_pdf(&self, doc: &renkou_documents::Document) -> Result<Vec<u8>, String> {
            match self.0.get_or_init(load) {
                Ok(engine) => engine.write_pdf(doc).map_err(|e| e.to_string()),
                Err(e) => Err(e.clone()),
            }
        }
    }
}

/// The writer, fonts loaded on its first PDF; `None` without the `pdf` feature.
pub fn lazy() -> Option<Arc<dyn PdfWriter>> {
    #[cfg(feature = "pdf")]
    {
        Some(Arc::new(engine::Lazy::default()))
    }
    #[cfg(not(feature = "pdf"))]
    {
        None
    }
}

/// The writer when `format` needs one.
pub fn engine_for(format: Format) -> Result<Option<Arc<dyn PdfWriter>>> {
    Ok(if format == Format::Pdf { lazy() } else { None })
}
