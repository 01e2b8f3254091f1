//! Reads a PNG's pixel size from its header, which both writers need to place the
//! image at the right height; nothing else of the image is decoded.

/// Width and height in pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PngSize {
    pub width: u32,
    pub height: u32,
}

const SIGNATURE: &[u8; 8] = b"\x89PNG\r\n\x1a\n";

/// The size from the IHDR chunk, which the PNG format puts first. The reason on
/// error is a short English phrase for [`crate::DocumentError::InvalidImage`].
pub fn png_size(bytes: &[u8]) -> Result<PngSize, &'static str> {
    if bytes.len() < 8 || &bytes[..8] != SIGNATURE {
        return Err("no PNG signature");
    }
    // signature (8) + chunk length (4) + "IHDR" (4) + width (4) + height (4)
    let header = bytes.get(8..24).ok_or("truncated before the IHDR chunk")?;
    if &header[4..8] != b"IHDR" {
        return Err("first chunk is not IHDR");
    }
    let width = u32::from_be_bytes([header[8], header[9], header[10], header[11]]);
    let height = u32::from_be_bytes([header[12], header[13], header[14], header[15]]);
    if width == 0 || height == 0 {
        return Err("zero width or height");
    }
    Ok(PngSize { width, height })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_what_is_not_a_png() {
        assert!(png_size(b"").is_err());
        assert!(png_size(b"GIF89a............").is_err());
        assert!(png_size(SIGNATURE).is_err());
        let mut zero = SIGNATURE.to_vec();
        zero.extend_from_slice(&[0, 0, 0, 13]);
        zero.extend_from_slice(b"IHDR");
        zero.extend_from_slice(&[0; 8]);
        assert_eq!(png_size(&zero), Err("zero width or height"));
    }

    #[test]
    fn reads_the_size() {
        let mut png = SIGNATURE.to_vec();
        png.extend_from_slice(&[0, 0, 0, 13]);
        png.extend_from_slice(b"IHDR");
        png.extend_from_slice(&640u32.to_be_bytes());
        png.extend_from_slice(&360u32.to_be_bytes());
        assert_eq!(
            png_size(&png),
            Ok(PngSize {
                width: 640,
                height: 360
            })
        );
    }
}
