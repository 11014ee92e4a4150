//! The shop's logo: a PNG decoded once into grey levels on white, then scaled for the paper
//! (a 1-bit raster for ESC/POS, RGB for PDF). A PNG that does not decode is refused when it
//! is set (`check`), so a receipt never fails over its logo.

use std::io::Cursor;

use pasar_core::error::{CoreError, Field, Problem};

/// A decoded logo: `w × h` luminance values, 0 = black, 255 = white (alpha laid on white).
#[derive(Debug, Clone, PartialEq)]
pub struct Logo {
    pub w: usize,
    pub h: usize,
    pub grey: Vec<u8>,
}

fn bad() -> CoreError {
    CoreError::invalid(Field::Logo, Problem::NotAnImage)
}

/// Decodes and checks a PNG the way the renderers will use it.
pub fn check(png_bytes: &[u8]) -> Result<Logo, CoreError> {
    pasar_core::document::check_png(png_bytes)?;
    decode(png_bytes).ok_or_else(bad)
}

/// Decodes PNG bytes; None for anything that is not a whole, sane PNG.
pub fn decode(png_bytes: &[u8]) -> Option<Logo> {
    let limits = png::Limits {
        bytes: 64 * 1024 * 1024,
    };
    let mut dec = png::Decoder::new_with_limits(Cursor::new(png_bytes), limits);
    dec.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
    let mut reader = dec.read_info().ok()?;
    let mut buf = vec![0; reader.output_buffer_size()?];
    let info = reader.next_frame(&mut buf).ok()?;
    let (w, h) = (info.width as usize, info.height as usize);
    let channels = match info.color_type {
        png::ColorType::Grayscale => 1,
        png::ColorType::GrayscaleAlpha => 2,
        png::ColorType::Rgb => 3,
        png::ColorType::Rgba => 4,
        png::ColorType::Indexed => return None,
    };
    let stride = info.line_size;
    let mut grey = Vec::with_capacity(w * h);
    for y in 0..h {
        let row = buf.get(y * stride..y * stride + w * channels)?;
        for px in row.chunks_exact(channels) {
            let (l, a) = match channels {
                1 => (px[0] as u32, 255),
                2 => (px[0] as u32, px[1] as u32),
                3 => (lum(px[0], px[1], px[2]), 255),
                _ => (lum(px[0], px[1], px[2]), px[3] as u32),
            };
            // Laid on white paper.
            grey.push(((l * a + 255 * (255 - a)) / 255) as u8);
        }
    }
    Some(Logo { w, h, grey })
}

fn lum(r: u8, g: u8, b: u8) -> u32 {
    (r as u32 * 299 + g as u32 * 587 + b as u32 * 114) / 1000
}

impl Logo {
    /// Nearest-neighbour scale so it fits `max_w × max_h` (never enlarged).
    pub fn fit(&self, max_w: usize, max_h: usize) -> Logo {
        let scale = (max_w as f64 / self.w as f64)
            .min(max_h as f64 / self.h as f64)
            .min(1.0);
        let w = ((self.w as f64 * scale).round() as usize).max(1);
        let h = ((self.h as f64 * scale).round() as usize).max(1);
        let mut grey = Vec::with_capacity(w * h);
        for y in 0..h {
            let sy = (y * self.h / h).min(self.h - 1);
            for x in 0..w {
                let sx = (x * self.w / w).min(self.w - 1);
                grey.push(self.grey[sy * self.w + sx]);
            }
        }
        Logo { w, h, grey }
    }

    /// 1-bit rows, MSB first, `ceil(w/8)` bytes per row, 1 = dot (Floyd–Steinberg dithered,
    /// so a photo keeps its shades and a flat logo stays flat).
    pub fn raster(&self) -> (usize, Vec<u8>) {
        let bw = self.w.div_ceil(8);
        let mut err: Vec<i32> = self.grey.iter().map(|&g| g as i32).collect();
        let mut out = vec![0u8; bw * self.h];
        for y in 0..self.h {
            for x in 0..self.w {
                let i = y * self.w + x;
                let old = err[i].clamp(0, 255);
                let black = old < 128;
                if black {
                    out[y * bw + x / 8] |= 0x80 >> (x % 8);
                }
                let e = old - if black { 0 } else { 255 };
                let mut spread = |dx: isize, dy: usize, k: i32| {
                    let nx = x as isize + dx;
                    if nx >= 0 && (nx as usize) < self.w && y + dy < self.h {
                        err[(y + dy) * self.w + nx as usize] += e * k / 16;
                    }
                };
                spread(1, 0, 7);
                spread(-1, 1, 3);
                spread(0, 1, 5);
                spread(1, 1, 1);
            }
        }
        (bw, out)
    }
}
