//! A coupon's code as a QR image, for the `<img>` of a message: `GET /codes/{code}.{signature}.png`.
//! The signature (see `SignedLinks::code_image_url`) limits it to codes Patron put in a message;
//! the image says nothing the message does not, so it needs no sign-in and may be cached for
//! good.
use actix_web::http::header;
use actix_web::{web, HttpResponse};
use qrcode::{Color, EcLevel, QrCode};

use super::unsubscribe::LinkPages;

/// Pixels a module; a 21-module code with its quiet zone is then 232 pixels wide.
const SCALE: usize = 8;
/// Light modules around the code, as the QR standard asks.
const QUIET_ZONE: usize = 4;

pub fn routes(config: &mut web::ServiceConfig) {
    config.route("/codes/{token}.png", web::get().to(image));
}

async fn image(state: web::Data<LinkPages>, token: web::Path<String>) -> HttpResponse {
    let Some(code) = state.links.verify_code_image(&token) else {
        return HttpResponse::NotFound().body("no such image");
    };
    match qr_png(&code) {
        Ok(png) => HttpResponse::Ok()
            .content_type("image/png")
            .insert_header((header::CACHE_CONTROL, "public, max-age=31536000, immutable"))
            .body(png),
        Err(error) => {
            tracing::error!(%error, "cannot draw a code");
            HttpResponse::InternalServerError().finish()
        }
    }
}

/// The code as a black-on-white QR symbol (medium error correction: a smudged screen still
/// scans), an 8-bit greyscale PNG.
pub fn qr_png(code: &str) -> anyhow::Result<Vec<u8>> {
    let symbol = QrCode::with_error_correction_level(code, EcLevel::M)?;
    let modules = symbol.width();
    let colors = symbol.to_colors();
    let side = (modules + 2 * QUIET_ZONE) * SCALE;
    let mut pixels = vec![u8::MAX; side * side];
    for (i, color) in colors.iter().enumerate() {
        if *color != Color::Dark {
            continue;
        }
        let (x, y) = ((i % modules + QUIET_ZONE) * SCALE, (i / modules + QUIET_ZONE) * SCALE);
        for row in y..y + SCALE {
            pixels[row * side + x..row * side + x + SCALE].fill(0);
        }
    }
    let mut png = Vec::new();
    let side = u32::try_from(side)?;
    let mut encoder = png::Encoder::new(&mut png, side, side);
    encoder.set_color(png::ColorType::Grayscale);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header()?;
    writer.write_image_data(&pixels)?;
    writer.finish()?;
    Ok(png)
}
