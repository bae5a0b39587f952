//! The tray's icons: the app's state icons (icons/tray, the same pictures the app shows),
//! decoded from PNG once per change of look. On macOS they are template images
//! (icons/tray/template: black and alpha, which the menu bar tints for its light or dark
//! look), as the app's are there.

use anyhow::{Context, Result};
use tray_icon::Icon;

use crate::menu::Look;

/// One look's picture in both forms: (in colour, as a template).
macro_rules! pictures {
    ($name:literal) => {
        (
            include_bytes!(concat!("../../../icons/tray/", $name, ".png")).as_slice(),
            include_bytes!(concat!("../../../icons/tray/template/", $name, ".png")).as_slice(),
        )
    };
}

/// Whether the icons are templates (macOS only; the tray elsewhere ignores the setting).
pub const AS_TEMPLATE: bool = cfg!(target_os = "macos");

fn pictures(look: Look) -> (&'static [u8], &'static [u8]) {
    match look {
        Look::SignedOut => pictures!("signed-out"),
        Look::Idle => pictures!("idle"),
        Look::Active => pictures!("active"),
        Look::Expiring => pictures!("expiring"),
    }
}

pub fn icon(look: Look) -> Result<Icon> {
    let (colour, template) = pictures(look);
    let png = if AS_TEMPLATE { template } else { colour };
    let (rgba, width, height) = rgba(png).context("a built-in tray icon does not decode")?;
    Icon::from_rgba(rgba, width, height).context("a built-in tray icon is refused")
}

/// 8-bit RGBA pixels. The icons are made 8-bit (icons/render.sh): RGBA in colour, grey and
/// alpha as templates, whose grey is spread to RGB here.
fn rgba(png_bytes: &[u8]) -> Result<(Vec<u8>, u32, u32)> {
    let mut decoder = png::Decoder::new(png_bytes);
    decoder.set_transformations(png::Transformations::EXPAND);
    let mut reader = decoder.read_info()?;
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf)?;
    buf.truncate(info.buffer_size());
    anyhow::ensure!(
        info.bit_depth == png::BitDepth::Eight,
        "not 8-bit but {:?}",
        info.bit_depth
    );
    let pixels = match info.color_type {
        png::ColorType::Rgba => buf,
        png::ColorType::GrayscaleAlpha => buf
            .chunks_exact(2)
            .flat_map(|ga| [ga[0], ga[0], ga[0], ga[1]])
            .collect(),
        other => anyhow::bail!("not RGBA or grey and alpha but {other:?}"),
    };
    Ok((pixels, info.width, info.height))
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOOKS: [Look; 4] = [Look::SignedOut, Look::Idle, Look::Active, Look::Expiring];

    #[test]
    fn every_look_has_icons_that_decode() {
        for look in LOOKS {
            let (colour, template) = pictures(look);
            for png in [colour, template] {
                let (pixels, w, h) = rgba(png).unwrap();
                assert_eq!(pixels.len(), (w * h * 4) as usize, "{look:?}");
            }
            assert!(icon(look).is_ok(), "{look:?}");
        }
    }

    #[test]
    fn templates_are_black_and_alpha() {
        // macOS draws a template's alpha in the menu bar's colour: colour in one is lost,
        // and a template the same as the colour icon would show as a solid block.
        for look in LOOKS {
            let (colour, template) = pictures(look);
            assert_ne!(colour, template, "{look:?}");
            let (pixels, _, _) = rgba(template).unwrap();
            let coloured = pixels
                .chunks_exact(4)
                .filter(|px| px[3] > 0 && px[..3] != [0, 0, 0])
                .count();
            assert_eq!(coloured, 0, "{look:?}: {coloured} pixels not black");
        }
    }
}
