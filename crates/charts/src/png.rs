//! PNG export: the SVG rendered on the server with resvg, using the system fonts.

use std::sync::{Arc, OnceLock};

use resvg::tiny_skia::{Color, Pixmap, Transform};
use resvg::usvg::{fontdb, ImageHrefResolver, Options, Tree};

use crate::ChartError;

/// Beyond 8× a chart is a poster, not a figure for a report.
pub(crate) const MAX_SCALE: f32 = 8.0;
/// Per side; keeps a mistaken size from allocating gigabytes.
const MAX_SIDE: u32 = 16_384;

/// The families of [`crate::FONT_FAMILY`] that carry Chinese glyphs, in order.
const CJK_FAMILIES: [&str; 4] = [
    "WenQuanYi Micro Hei",
    "Microsoft YaHei",
    "PingFang SC",
    "Noto Sans CJK SC",
];

/// The system fonts, loaded once per process: scanning the font folders takes tens
/// of milliseconds to seconds, far longer than rendering a chart.
fn fonts() -> Arc<fontdb::Database> {
    static FONTS: OnceLock<Arc<fontdb::Database>> = OnceLock::new();
    FONTS
        .get_or_init(|| {
            let mut db = fontdb::Database::new();
            db.load_system_fonts();
            // fontdb's generic "sans-serif" is Arial, rarely on a Linux server; point
            // it at the first CJK font we have, so the fallback draws Chinese too.
            if let Some(family) = first_cjk_family(&db) {
                db.set_sans_serif_family(family);
            }
            Arc::new(db)
        })
        .clone()
}

fn first_cjk_family(db: &fontdb::Database) -> Option<&'static str> {
    CJK_FAMILIES.into_iter().find(|want| {
        db.faces()
            .any(|f| f.families.iter().any(|(name, _)| name == want))
    })
}

/// Whether one of the Chinese fonts of [`crate::FONT_FAMILY`] is installed, i.e.
/// whether PNGs will show Chinese labels rather than empty boxes. On Debian:
/// `apt-get install fonts-wqy-microhei`.
pub fn cjk_font_available() -> bool {
    first_cjk_family(&fonts()).is_some()
}

/// Renders an SVG (one of this crate's charts, or any SVG; external images are
/// ignored, never read) to PNG bytes at `scale` × its size: 2.0 gives a sharp image for
/// Word at the usual print size.
///
/// The background is white, not transparent, so the image pastes cleanly.
pub fn svg_to_png(svg: &str, scale: f32) -> Result<Vec<u8>, ChartError> {
    if !(scale.is_finite() && scale > 0.0 && scale <= MAX_SCALE) {
        return Err(ChartError::Scale(scale));
    }
    let opt = Options {
        fontdb: fonts(),
        // Chinese first, so Han characters shared with Japanese get Chinese forms.
        languages: vec!["zh-CN".to_owned(), "en".to_owned()],
        font_family: CJK_FAMILIES[0].to_owned(),
        // No <image> is ever loaded: our charts have none, and an SVG from
        // elsewhere must not make the server read files (usvg's default resolver
        // reads paths from disk).
        image_href_resolver: ImageHrefResolver {
            resolve_data: Box::new(|_, _, _| None),
            resolve_string: Box::new(|_, _| None),
        },
        ..Options::default()
    };
    let tree = Tree::from_str(svg, &opt).map_err(|e| ChartError::Svg(e.to_string()))?;
    let size = tree.size();
    let (w, h) = (
        (size.width() * scale).round(),
        (size.height() * scale).round(),
    );
    let (width, height) = (w as u32, h as u32);
    if !(1.0..=MAX_SIDE as f32).contains(&w) || !(1.0..=MAX_SIDE as f32).contains(&h) {
        return Err(ChartError::Size { width, height });
    }
    let mut pixmap = Pixmap::new(width, height).ok_or(ChartError::Size { width, height })?;
    pixmap.fill(Color::WHITE);
    resvg::render(
        &tree,
        Transform::from_scale(scale, scale),
        &mut pixmap.as_mut(),
    );
    pixmap
        .encode_png()
        .map_err(|e| ChartError::Encode(e.to_string()))
}
