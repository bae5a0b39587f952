//! The tray's icons: the app's state icons (icons/tray, the same pictures the app shows),
//! decoded from PNG once per change of look.

use anyhow::{Context, Result};
use tray_icon::Icon;

use crate::menu::Look;

const SIGNED_OUT: &[u8] = include_bytes!("../../../icons/tray/signed-out.png");
const IDLE: &[u8] = include_bytes!("../../../icons/tray/idle.png");
const ACTIVE: &[u8] = include_bytes!("../../../icons/tray/active.png");
const EXPIRING: &[u8] = include_bytes!("../../../icons/tray/expiring.png");

pub fn icon(look: Look) -> Result<Icon> {
    let png = match look {
        Look::SignedOut => SIGNED_OUT,
        Look::Idle => IDLE,
        Look::Active => ACTIVE,
        Look::Expiring => EXPIRING,
    };
    let (rgba, width, height) = rgba(png).context("a built-in tray icon does not decode")?;
    Icon::from_rgba(rgba, width, height).context("a built-in tray icon is refused")
}

/// 8-bit RGBA pixels (the icons are made so: icons/render.sh).
fn rgba(png_bytes: &[u8]) -> Result<(Vec<u8>, u32, u32)> {
    let mut decoder = png::Decoder::new(png_bytes);
    decoder.set_transformations(png::Transformations::EXPAND);
    let mut reader = decoder.read_info()?;
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf)?;
    buf.truncate(info.buffer_size());
    anyhow::ensure!(
        info.color_type == png::ColorType::Rgba && info.bit_depth == png::BitDepth::Eight,
        "not 8-bit RGBA but {:?} {:?}",
        info.color_type,
        info.bit_depth
    );
    Ok((buf, info.width, info.height))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_look_has_an_icon_that_decodes() {
        for look in [Look::SignedOut, Look::Idle, Look::Active, Look::Expiring] {
            let png = match look {
                Look::SignedOut => SIGNED_OUT,
                Look::Idle => IDLE,
                Look::Active => ACTIVE,
                Look::Expiring => EXPIRING,
            };
            let (pixels, w, h) = rgba(png).unwrap();
            assert_eq!(pixels.len(), (w * h * 4) as usize, "{look:?}");
        }
    }
}
