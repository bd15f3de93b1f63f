"""The staff's optional TOTP second factor (django-otp): reads and writes of the devices, for core.views."""
from django_otp.plugins.otp_totp.models import TOTPDevice


def confirmed_device(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def pending_device(user) -> TOTPDevice:
    """The unconfirmed device being set up (made on first use: its secret is what the QR code shows)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    return device or TOTPDevice.objects.create(user=user, name="验证器", confirmed=False)


def confirm(device: TOTPDevice) -> None:
    device.confirmed = True
    device.save(update_fields=["confirmed"])


def remove_devices(user) -> None:
    TOTPDevice.objects.filter(user=user).delete()
