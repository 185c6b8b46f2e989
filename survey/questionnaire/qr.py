"""QR code images for the printable access sheet, drawn in the app (no outside service sees the link)."""

from __future__ import annotations

import qrcode
import qrcode.image.svg


def qr_svg(text: str) -> bytes:
    """An SVG QR code of ``text`` (medium error correction: survives a crease or a pin hole)."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=2,
                         image_factory=qrcode.image.svg.SvgPathImage)
    code.add_data(text)
    code.make(fit=True)
    return code.make_image().to_string(encoding="unicode").encode("utf-8")
