//! PDF output of `renkou-documents`' model, typeset by typst used as a library,
//! with the Chinese fonts embedded (subset) in the file.
//!
//! This crate owns the PDF engine: a [`PdfEngine`] loads the fonts of the folders
//! it is given once (reading a CJK collection takes a while and its font book is
//! the same for every document) and then turns any number of documents into PDF
//! bytes. It does no other I/O: images arrive inside the document as PNG bytes.
//!
//! typst is a large build (several minutes even in the dev profile), so it lives
//! in this crate alone; the binary enables it through a cargo feature and no other
//! crate links it. typst and typst-pdf are pinned to exact versions because their
//! Rust API (the `World` trait, the library builder) changes between minor
//! releases.
//!
//! The document is converted to typst *code* (see [`typst_source`]) in which every
//! string from the register is a string literal, escaped: text such as
//! `#panic()` or `]` in a village name is printed, never evaluated.
//!
//! ```no_run
//! use renkou_documents::{Document, Paragraph};
//! use renkou_documents_pdf::{PdfConfig, PdfEngine};
//!
//! let engine = PdfEngine::new(&PdfConfig::default())?; // once, at start-up
//! let mut doc = Document::new("工作总结");
//! doc.push(Paragraph::body("截至9月30日，全镇共出生729人。").into());
//! let pdf: Vec<u8> = engine.write_pdf(&doc)?;
//! # Ok::<(), renkou_documents_pdf::PdfError>(())
//! ```

mod markup;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use renkou_documents::{Block, Document, DocumentError};
use typst::diag::{FileError, FileResult};
use typst::foundations::{Bytes, Datetime, Duration};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World};
use typst_layout::PagedDocument;

pub use markup::typst_source;

/// Where the fonts come from and which of them each role uses.
#[derive(Debug, Clone, PartialEq)]
pub struct PdfConfig {
    /// Folders searched (with their subfolders) for .ttf, .otf, .ttc and .otc
    /// files. Missing folders are skipped; finding no font at all is an error.
    pub font_dirs: Vec<PathBuf>,
    /// Font families of body text, tables and the footer, in order of
    /// preference; typst takes each character from the first that has it (the
    /// PDF's counterpart of the .docx's 宋体).
    pub body_fonts: Vec<String>,
    /// Font families of the title, headings and captions (the .docx's 黑体).
    pub heading_fonts: Vec<String>,
}

impl Default for PdfConfig {
    /// Debian's CJK fonts: Noto Serif/Sans CJK (`fonts-noto-cjk`) when present,
    /// WenQuanYi Micro Hei (`fonts-wqy-microhei`) otherwise.
    fn default() -> Self {
        PdfConfig {
            font_dirs: vec![
                "/usr/share/fonts/opentype/noto".into(),
                "/usr/share/fonts/truetype/wqy".into(),
            ],
            body_fonts: vec!["Noto Serif CJK SC".into(), "WenQuanYi Micro Hei".into()],
            heading_fonts: vec!["Noto Sans CJK SC".into(), "WenQuanYi Micro Hei".into()],
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    #[error(transparent)]
    Document(#[from] DocumentError),
    #[error("reading fonts: {path}: {source}")]
    FontFile {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("no font file in {dirs:?} (install fonts-noto-cjk or fonts-wqy-microhei, or configure the font folders)")]
    NoFonts { dirs: Vec<PathBuf> },
    #[error("none of the {role} fonts {wanted:?} is among the loaded fonts {found:?}")]
    MissingFamily {
        role: &'static str,
        wanted: Vec<String>,
        found: Vec<String>,
    },
    /// typst refused the generated source or failed to lay it out: a bug of this
    /// crate, since user text never becomes code.
    #[error("typesetting failed: {0}")]
    Typeset(String),
}

/// Fonts loaded once and typst's standard library, shared by every document.
/// Cheap to share between threads (`&PdfEngine` is `Sync`).
pub struct PdfEngine {
    library: LazyHash<Library>,
    book: LazyHash<FontBook>,
    fonts: Vec<Font>,
    body_fonts: Vec<String>,
    heading_fonts: Vec<String>,
}

impl PdfEngine {
    /// Loads every font of the configured folders.
    pub fn new(config: &PdfConfig) -> Result<Self, PdfError> {
        let mut files = Vec::new();
        for dir in &config.font_dirs {
            collect_font_files(dir, &mut files)?;
        }
        files.sort();
        let mut data = Vec::with_capacity(files.len());
        for path in files {
            let bytes = std::fs::read(&path).map_err(|source| PdfError::FontFile {
                path: path.clone(),
                source,
            })?;
            data.push(bytes);
        }
        if data.is_empty() {
            return Err(PdfError::NoFonts {
                dirs: config.font_dirs.clone(),
            });
        }
        Self::from_font_data(
            data,
            config.body_fonts.clone(),
            config.heading_fonts.clone(),
        )
    }

    /// Builds an engine from font files' bytes the caller has read (e.g. fonts
    /// shipped inside the binary). Fails when no font of a role is among them.
    pub fn from_font_data(
        data: Vec<Vec<u8>>,
        body_fonts: Vec<String>,
        heading_fonts: Vec<String>,
    ) -> Result<Self, PdfError> {
        let fonts: Vec<Font> = data
            .into_iter()
            .flat_map(|bytes| Font::iter(Bytes::new(bytes)))
            .collect();
        let book = FontBook::from_fonts(&fonts);
        // Keep only the families we have, in the configured order, so typst
        // never warns about (or silently skips) an unknown family.
        let have = |wanted: &[String], role: &'static str| {
            let kept: Vec<String> = wanted
                .iter()
                .filter(|f| book.contains_family(&f.to_lowercase()))
                .cloned()
                .collect();
            if kept.is_empty() {
                let mut found: Vec<String> = book.families().map(|(f, _)| f.to_string()).collect();
                found.sort();
                found.dedup();
                Err(PdfError::MissingFamily {
                    role,
                    wanted: wanted.to_vec(),
                    found,
                })
            } else {
                Ok(kept)
            }
        };
        let body_fonts = have(&body_fonts, "body")?;
        let heading_fonts = have(&heading_fonts, "heading")?;
        Ok(PdfEngine {
            library: LazyHash::new(Library::default()),
            book: LazyHash::new(book),
            fonts,
            body_fonts,
            heading_fonts,
        })
    }

    /// The font families the engine has, sorted (for diagnostics and settings
    /// pages).
    pub fn families(&self) -> Vec<String> {
        let mut families: Vec<String> = self.book.families().map(|(f, _)| f.to_string()).collect();
        families.sort();
        families.dedup();
        families
    }

    /// The families each role uses: (body, heading).
    pub fn role_fonts(&self) -> (&[String], &[String]) {
        (&self.body_fonts, &self.heading_fonts)
    }

    /// Typesets the document and returns the PDF file's bytes. The same
    /// document gives the same bytes (no clock is read: the date is the
    /// document's own).
    pub fn write_pdf(&self, doc: &Document) -> Result<Vec<u8>, PdfError> {
        renkou_documents::validate(doc)?;
        let source = typst_source(doc, &self.body_fonts, &self.heading_fonts);
        let main = file_id("/main.typ")?;
        let mut files = HashMap::new();
        let images = doc.blocks().filter_map(|b| match b {
            Block::Image(image) => Some(image),
            _ => None,
        });
        for (index, image) in images.enumerate() {
            files.insert(
                file_id(&markup::image_path(index + 1))?,
                Bytes::new(image.png.clone()),
            );
        }
        let world = DocumentWorld {
            engine: self,
            main,
            source: Source::new(main, source),
            files,
        };
        let result = typst::compile::<PagedDocument>(&world).output;
        // typst memoizes across compilations; drop what the last few documents
        // did not reuse, so a long-running server does not grow without bound.
        typst::comemo::evict(10);
        let document = result.map_err(|errors| PdfError::Typeset(messages(&errors)))?;
        let options = typst_pdf::PdfOptions {
            creator: typst::foundations::Smart::Custom(Some("renkou".into())),
            ..typst_pdf::PdfOptions::default()
        };
        typst_pdf::pdf(&document, &options).map_err(|errors| PdfError::Typeset(messages(&errors)))
    }
}

fn messages(errors: &[typst::diag::SourceDiagnostic]) -> String {
    errors
        .iter()
        .map(|e| e.message.to_string())
        .collect::<Vec<_>>()
        .join("; ")
}

/// The id of one of our virtual files ("/main.typ", "/image1.png", …).
fn file_id(path: &str) -> Result<FileId, PdfError> {
    let vpath = VirtualPath::new(path)
        .map_err(|e| PdfError::Typeset(format!("virtual path {path}: {e:?}")))?;
    Ok(RootedPath::new(VirtualRoot::Project, vpath).intern())
}

fn collect_font_files(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), PdfError> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        // A configured folder that is not there is skipped: the default lists
        // two packages' folders and a machine may have only one.
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(source) => {
            return Err(PdfError::FontFile {
                path: dir.to_path_buf(),
                source,
            })
        }
    };
    for entry in entries {
        let entry = entry.map_err(|source| PdfError::FontFile {
            path: dir.to_path_buf(),
            source,
        })?;
        let path = entry.path();
        if path.is_dir() {
            collect_font_files(&path, out)?;
        } else if path.extension().and_then(|e| e.to_str()).is_some_and(|e| {
            matches!(
                e.to_ascii_lowercase().as_str(),
                "ttf" | "otf" | "ttc" | "otc"
            )
        }) {
            out.push(path);
        }
    }
    Ok(())
}

/// One document's view of the engine: its source, its images, the shared fonts.
struct DocumentWorld<'a> {
    engine: &'a PdfEngine,
    main: FileId,
    source: Source,
    files: HashMap<FileId, Bytes>,
}

impl World for DocumentWorld<'_> {
    fn library(&self) -> &LazyHash<Library> {
        &self.engine.library
    }

    fn book(&self) -> &LazyHash<FontBook> {
        &self.engine.book
    }

    fn main(&self) -> FileId {
        self.main
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        if id == self.main {
            Ok(self.source.clone())
        } else {
            Err(FileError::NotSource)
        }
    }

    fn file(&self, id: FileId) -> FileResult<Bytes> {
        if id == self.main {
            return Ok(Bytes::from_string(self.source.text().to_string()));
        }
        self.files
            .get(&id)
            .cloned()
            .ok_or_else(|| FileError::NotFound(PathBuf::from(format!("{:?}", id))))
    }

    fn font(&self, index: usize) -> Option<Font> {
        self.engine.fonts.get(index).cloned()
    }

    fn today(&self, _offset: Option<Duration>) -> Option<Datetime> {
        // No clock: documents carry their own date.
        None
    }
}

#[cfg(test)]
mod tests {
    /// The server keeps one engine and writes reports from several threads.
    #[test]
    fn the_engine_can_be_shared_between_threads() {
        fn shareable<T: Send + Sync>() {}
        shareable::<super::PdfEngine>();
    }
}
