"""The QR code an authenticator app scans to enrol a TOTP device."""

from base64 import b64encode
from io import BytesIO

import qrcode
import qrcode.image.svg
from django_otp.plugins.otp_totp.models import TOTPDevice


def totp_qr_code_data_uri(device: TOTPDevice) -> str:
    """Render the device's otpauth:// URL as an inline SVG data URI."""
    image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage)
    buffer = BytesIO()
    image.save(buffer)
    return "data:image/svg+xml;base64," + b64encode(buffer.getvalue()).decode()
