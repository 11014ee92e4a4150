//! PDF output with printpdf: a small canvas in millimetres from the top-left corner, text
//! measured with the embedded font's own advance widths (so right-aligned amounts line up
//! and wrapped names never run past the paper), and the thermal receipt, whose page is
//! exactly the paper's width and exactly as tall as its content.

use std::sync::OnceLock;

use printpdf::{
    Color, FontId, Greyscale, Line, LinePoint, Mm, Op, PaintMode, ParsedFont, PdfDocument,
    PdfFontHandle, PdfPage, PdfSaveOptions, Point, Pt, RawImage, RawImageData, RawImageFormat,
    Rect, TextItem, XObjectId, XObjectTransform,
};

use pasar_core::document::Receipt;
use pasar_core::receipt::{Align, Block, Size, wrap_by};

use crate::logo::Logo;

const REGULAR: &[u8] = include_bytes!("../../../assets/fonts/DejaVuSansCondensed.ttf");
const BOLD: &[u8] = include_bytes!("../../../assets/fonts/DejaVuSansCondensed-Bold.ttf");

pub(crate) struct Fonts {
    regular: ParsedFont,
    bold: ParsedFont,
    /// Advance widths in font units per char, for the chars the fonts have (regular, bold).
    upem: f32,
}

/// The fonts, parsed once per process.
pub(crate) fn fonts() -> &'static Fonts {
    static FONTS: OnceLock<Fonts> = OnceLock::new();
    FONTS.get_or_init(|| {
        let regular = ParsedFont::from_bytes(REGULAR, 0, &mut Vec::new())
            .expect("the embedded receipt font parses");
        let bold = ParsedFont::from_bytes(BOLD, 0, &mut Vec::new())
            .expect("the embedded receipt font parses");
        let upem = f32::from(regular.units_per_em.max(1));
        Fonts {
            regular,
            bold,
            upem,
        }
    })
}

impl Fonts {
    fn font(&self, bold: bool) -> &ParsedFont {
        if bold { &self.bold } else { &self.regular }
    }

    fn advance(&self, c: char, bold: bool) -> Option<f32> {
        let f = self.font(bold);
        let gid = f.lookup_glyph_index(c as u32)?;
        f.get_glyph_width(gid).map(f32::from)
    }

    /// Width of `s` in points at `size`.
    pub(crate) fn width(&self, s: &str, size: f32, bold: bool) -> f32 {
        let units: f32 = s
            .chars()
            .map(|c| {
                self.advance(c, bold)
                    .or_else(|| self.advance('?', bold))
                    .unwrap_or(0.0)
            })
            .sum();
        units / self.upem * size
    }

    /// `s` with characters the font lacks spelled in ones it has ("?" at worst), so no
    /// empty boxes are printed.
    pub(crate) fn printable(&self, s: &str) -> String {
        if s.chars().all(|c| self.advance(c, false).is_some()) {
            return s.to_string();
        }
        let mut out = String::with_capacity(s.len());
        for c in s.chars() {
            if self.advance(c, false).is_some() {
                out.push(c);
            } else if c.is_control() {
            } else {
                out.push_str(&crate::text::to_ascii(&c.to_string()));
            }
        }
        out
    }
}

pub(crate) const PT_PER_MM: f32 = 72.0 / 25.4;

pub(crate) fn mm_to_pt(mm: f32) -> f32 {
    mm * PT_PER_MM
}

pub(crate) fn pt_to_mm(pt: f32) -> f32 {
    pt / PT_PER_MM
}

/// One drawing, positioned from the top-left corner in mm (the baseline for text).
enum Draw {
    Text {
        x: f32,
        y: f32,
        size: f32,
        bold: bool,
        grey: f32,
        text: String,
    },
    Rect {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        grey: f32,
    },
    Line {
        x1: f32,
        y1: f32,
        x2: f32,
        y2: f32,
        width_pt: f32,
        grey: f32,
        dashed: bool,
    },
    Image {
        id: XObjectId,
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        px_w: usize,
    },
}

/// A page being drawn; turned into printpdf operations once its height is known.
pub(crate) struct Canvas {
    draws: Vec<Draw>,
    pub width: f32,
}

impl Canvas {
    pub(crate) fn new(width_mm: f32) -> Canvas {
        Canvas {
            draws: Vec::new(),
            width: width_mm,
        }
    }

    pub(crate) fn text(&mut self, x: f32, y: f32, size: f32, bold: bool, s: &str) {
        self.text_grey(x, y, size, bold, 0.0, s);
    }

    pub(crate) fn text_grey(&mut self, x: f32, y: f32, size: f32, bold: bool, grey: f32, s: &str) {
        if s.trim().is_empty() {
            return;
        }
        self.draws.push(Draw::Text {
            x,
            y,
            size,
            bold,
            grey,
            text: fonts().printable(s),
        });
    }

    pub(crate) fn text_right(&mut self, right: f32, y: f32, size: f32, bold: bool, s: &str) {
        let w = pt_to_mm(fonts().width(&fonts().printable(s), size, bold));
        self.text(right - w, y, size, bold, s);
    }

    pub(crate) fn text_center(&mut self, center: f32, y: f32, size: f32, bold: bool, s: &str) {
        let w = pt_to_mm(fonts().width(&fonts().printable(s), size, bold));
        self.text(center - w / 2.0, y, size, bold, s);
    }

    /// A filled rectangle, top-left at (x, y).
    pub(crate) fn rect(&mut self, x: f32, y: f32, w: f32, h: f32, grey: f32) {
        self.draws.push(Draw::Rect { x, y, w, h, grey });
    }

    pub(crate) fn line(&mut self, x1: f32, y1: f32, x2: f32, y2: f32, width_pt: f32, grey: f32) {
        self.draws.push(Draw::Line {
            x1,
            y1,
            x2,
            y2,
            width_pt,
            grey,
            dashed: false,
        });
    }

    pub(crate) fn dashed(&mut self, x1: f32, y: f32, x2: f32) {
        self.draws.push(Draw::Line {
            x1,
            y1: y,
            x2,
            y2: y,
            width_pt: 0.5,
            grey: 0.35,
            dashed: true,
        });
    }

    pub(crate) fn image(&mut self, id: XObjectId, x: f32, y: f32, w: f32, h: f32, px_w: usize) {
        self.draws.push(Draw::Image {
            id,
            x,
            y,
            w,
            h,
            px_w,
        });
    }

    /// A QR code of `data`, `side` mm square, top-left at (x, y). Dark runs of a row are
    /// drawn as one rectangle each.
    pub(crate) fn qr(&mut self, data: &str, x: f32, y: f32, side: f32) -> bool {
        let Ok(code) = qrcode::QrCode::with_error_correction_level(data, qrcode::EcLevel::M) else {
            return false;
        };
        let n = code.width();
        let colors = code.to_colors();
        // A quiet zone of 2 modules on each side is part of `side`.
        let m = side / (n as f32 + 4.0);
        for row in 0..n {
            let mut col = 0;
            while col < n {
                if colors[row * n + col] == qrcode::Color::Dark {
                    let start = col;
                    while col < n && colors[row * n + col] == qrcode::Color::Dark {
                        col += 1;
                    }
                    self.rect(
                        x + m * (start as f32 + 2.0),
                        y + m * (row as f32 + 2.0),
                        m * (col - start) as f32 + 0.01,
                        m + 0.01,
                        0.0,
                    );
                } else {
                    col += 1;
                }
            }
        }
        true
    }

    /// The page, `height` mm tall.
    pub(crate) fn page(self, height: f32, reg: &FontId, bold: &FontId) -> PdfPage {
        let top = height;
        let mut ops = Vec::with_capacity(self.draws.len() * 6);
        let grey = |g: f32| {
            Color::Greyscale(Greyscale {
                percent: g.clamp(0.0, 1.0),
                icc_profile: None,
            })
        };
        let mut fill = -1.0f32;
        for d in self.draws {
            match d {
                Draw::Text {
                    x,
                    y,
                    size,
                    bold: b,
                    grey: g,
                    text,
                } => {
                    if g != fill {
                        ops.push(Op::SetFillColor { col: grey(g) });
                        fill = g;
                    }
                    ops.push(Op::StartTextSection);
                    ops.push(Op::SetFont {
                        font: PdfFontHandle::External(if b { bold.clone() } else { reg.clone() }),
                        size: Pt(size),
                    });
                    ops.push(Op::SetTextCursor {
                        pos: Point::new(Mm(x), Mm(top - y)),
                    });
                    ops.push(Op::ShowText {
                        items: vec![TextItem::Text(text)],
                    });
                    ops.push(Op::EndTextSection);
                }
                Draw::Rect {
                    x,
                    y,
                    w,
                    h,
                    grey: g,
                } => {
                    if g != fill {
                        ops.push(Op::SetFillColor { col: grey(g) });
                        fill = g;
                    }
                    let mut rectangle = Rect::from_xywh(
                        Pt(mm_to_pt(x)),
                        Pt(mm_to_pt(top - y - h)),
                        Pt(mm_to_pt(w)),
                        Pt(mm_to_pt(h)),
                    );
                    rectangle.mode = Some(PaintMode::Fill);
                    ops.push(Op::DrawRectangle { rectangle });
                }
                Draw::Line {
                    x1,
                    y1,
                    x2,
                    y2,
                    width_pt,
                    grey: g,
                    dashed,
                } => {
                    ops.push(Op::SaveGraphicsState);
                    ops.push(Op::SetOutlineColor { col: grey(g) });
                    ops.push(Op::SetOutlineThickness { pt: Pt(width_pt) });
                    if dashed {
                        ops.push(Op::SetLineDashPattern {
                            dash: printpdf::LineDashPattern::new(0.0, &[2.0, 1.5]),
                        });
                    }
                    ops.push(Op::DrawLine {
                        line: Line {
                            points: vec![
                                LinePoint {
                                    p: Point::new(Mm(x1), Mm(top - y1)),
                                    bezier: false,
                                },
                                LinePoint {
                                    p: Point::new(Mm(x2), Mm(top - y2)),
                                    bezier: false,
                                },
                            ],
                            is_closed: false,
                        },
                    });
                    ops.push(Op::RestoreGraphicsState);
                }
                Draw::Image {
                    id,
                    x,
                    y,
                    w,
                    h,
                    px_w,
                } => {
                    // printpdf sizes an image as pixels at `dpi`; choose the dpi that makes
                    // it `w` mm wide.
                    let dpi = px_w as f32 / (w / 25.4);
                    ops.push(Op::UseXobject {
                        id,
                        transform: XObjectTransform {
                            translate_x: Some(Pt(mm_to_pt(x))),
                            translate_y: Some(Pt(mm_to_pt(top - y - h))),
                            dpi: Some(dpi),
                            ..Default::default()
                        },
                    });
                }
            }
        }
        PdfPage::new(Mm(self.width), Mm(height), ops)
    }
}

/// A document with the two fonts added.
pub(crate) struct Doc {
    pub doc: PdfDocument,
    pub reg: FontId,
    pub bold: FontId,
}

impl Doc {
    pub(crate) fn new(title: &str) -> Doc {
        let mut doc = PdfDocument::new(title);
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64);
        if let Ok(at) = printpdf::OffsetDateTime::from_unix_timestamp(now) {
            let info = &mut doc.metadata.info;
            info.creation_date = at;
            info.modification_date = at;
            info.metadata_date = at;
        }
        doc.metadata.info.producer = "PasarSuara".into();
        doc.metadata.info.creator = "PasarSuara".into();
        let f = fonts();
        let reg = doc.add_font(&f.regular);
        let bold = doc.add_font(&f.bold);
        Doc { doc, reg, bold }
    }

    pub(crate) fn logo(&mut self, logo: &Logo) -> XObjectId {
        let mut rgb = Vec::with_capacity(logo.grey.len() * 3);
        for g in &logo.grey {
            rgb.extend([*g, *g, *g]);
        }
        self.doc.add_image(&RawImage {
            pixels: RawImageData::U8(rgb),
            width: logo.w,
            height: logo.h,
            data_format: RawImageFormat::RGB8,
            tag: Vec::new(),
        })
    }

    pub(crate) fn save(mut self, pages: Vec<PdfPage>) -> Vec<u8> {
        self.doc.with_pages(pages);
        self.doc.save(&PdfSaveOptions::default(), &mut Vec::new())
    }
}

/// Word-wraps by measured width (mm).
pub(crate) fn wrap_mm(text: &str, width_mm: f32, size: f32, bold: bool) -> Vec<String> {
    let f = fonts();
    let text = f.printable(text);
    wrap_by(&text, width_mm, 0, |s| pt_to_mm(f.width(s, size, bold)))
}

/// A thermal receipt as a PDF page `paper_mm` wide.
pub fn receipt(r: &Receipt, blocks: &[Block], paper_mm: u32, logo: Option<&Logo>) -> Vec<u8> {
    let wide = paper_mm >= 80;
    let paper = if wide { 80.0 } else { 58.0 };
    let margin = if wide { 4.0 } else { 3.0 };
    let size = if wide { 8.5 } else { 7.5 };
    let large = size * 1.45;
    let content = paper - 2.0 * margin;
    let f = fonts();
    let mut doc = Doc::new(&format!("{} #{}", r.shop.name, r.sale_id));
    let mut c = Canvas::new(paper);
    let mut y = margin;
    // PDF viewers stop at 200 inches a page: a receipt longer than that continues on a new
    // strip of the same width.
    let mut done: Vec<(Canvas, f32)> = Vec::new();
    let mut next_strip = |c: &mut Canvas, y: &mut f32, need: f32| {
        if *y + need > MAX_STRIP_MM {
            let full = std::mem::replace(c, Canvas::new(paper));
            done.push((full, *y + margin));
            *y = margin;
        }
    };
    let line_h = |s: f32| pt_to_mm(s * 1.3);
    for block in blocks {
        match block {
            Block::Logo => {
                if let Some(logo) = logo {
                    next_strip(&mut c, &mut y, 20.0);
                    let max_w = content * 0.6;
                    let max_h = 18.0;
                    let scale = (max_w / logo.w as f32).min(max_h / logo.h as f32);
                    let (w, h) = (logo.w as f32 * scale, logo.h as f32 * scale);
                    let small = logo.fit(400, 400);
                    let id = doc.logo(&small);
                    c.image(id, (paper - w) / 2.0, y, w, h, small.w);
                    y += h + 1.5;
                }
            }
            Block::Text(row) => {
                let (s, bold) = match row.size {
                    Size::Large => (large, true),
                    Size::Normal => (size, row.bold),
                };
                let lh = line_h(s);
                let lines = wrap_by(&f.printable(&row.left), content, row.indent, |t| {
                    pt_to_mm(f.width(t, s, bold))
                });
                let right = f.printable(&row.right);
                let right_w = pt_to_mm(f.width(&right, s, bold));
                let n = lines.len();
                for (i, l) in lines.iter().enumerate() {
                    next_strip(&mut c, &mut y, 2.0 * lh);
                    y += lh;
                    let x = match row.align {
                        Align::Left => margin,
                        Align::Center => {
                            margin + (content - pt_to_mm(f.width(l.trim(), s, bold))) / 2.0
                        }
                        Align::Right => margin + content - pt_to_mm(f.width(l.trim(), s, bold)),
                    };
                    let text = if row.align == Align::Left {
                        l.as_str()
                    } else {
                        l.trim()
                    };
                    c.text(x, y - lh * 0.25, s, bold, text);
                    if i + 1 == n && !right.is_empty() {
                        let used = pt_to_mm(f.width(l, s, bold));
                        if used + 1.5 + right_w > content {
                            y += lh;
                        }
                        c.text_right(margin + content, y - lh * 0.25, s, bold, &right);
                    }
                }
            }
            Block::Rule => {
                next_strip(&mut c, &mut y, line_h(size));
                y += line_h(size) * 0.6;
                c.dashed(margin, y, margin + content);
                y += line_h(size) * 0.2;
            }
            Block::Feed => y += line_h(size),
            Block::Qr(data) => {
                let side = if wide { 30.0 } else { 26.0 };
                next_strip(&mut c, &mut y, side + 3.0);
                y += 2.0;
                if c.qr(data, (paper - side) / 2.0, y, side) {
                    y += side;
                }
            }
        }
    }
    let height = y + margin + 2.0;
    done.push((c, height));
    let (reg, bold) = (doc.reg.clone(), doc.bold.clone());
    let pages = done
        .into_iter()
        .map(|(c, h)| c.page(h, &reg, &bold))
        .collect();
    doc.save(pages)
}

/// The longest strip a receipt PDF page is (PDF's limit is 14.400 units = 5.080 mm).
pub const MAX_STRIP_MM: f32 = 5000.0;
