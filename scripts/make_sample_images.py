#!/usr/bin/env python3
"""Generates the committed sample images (run once; the build and the tests never run it).

    python3 -m venv /tmp/pil && /tmp/pil/bin/pip install pillow==11.3.0
    /tmp/pil/bin/python scripts/make_sample_images.py

Writes:
  tests/fixtures/images/tiny.png          96x96 PNG (Rekognition's minimum is 80 px a side)
  tests/fixtures/images/tiny.jpg          96x96 JPEG
  tests/fixtures/images/not-an-image.png  a text file with a .png name
  events/document-front.jpg               a synthetic passport data page, marked SPECIMEN, for
                                          the demo document (events/document.json: JANE MARIE DOE,
                                          X123456789), with a machine-readable zone whose check
                                          digits are right (ICAO 9303, TD3)
  events/selfie.jpg                       a synthetic "selfie" of the same drawn face

Everything is drawn from primitives and Pillow's bundled font: no real person, no real document.
The output is deterministic for a given Pillow version.
"""
import os
import sys

from PIL import Image, ImageDraw, ImageFont

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")


def font(size):
    return ImageFont.load_default(size=size)


def check_digit(field):
    """ICAO 9303 check digit: weights 7, 3, 1; digits as themselves, A-Z as 10-35, < as 0."""
    total = 0
    for i, ch in enumerate(field):
        if ch.isdigit():
            value = int(ch)
        elif ch.isalpha():
            value = ord(ch) - ord("A") + 10
        else:
            value = 0
        total += value * (7, 3, 1)[i % 3]
    return str(total % 10)


def td3_mrz(surname, given, number, nationality, dob, sex, expiry, issuer):
    names = (surname + "<<" + "<".join(given.split())).replace(" ", "<")
    line1 = ("P<" + issuer + names).ljust(44, "<")[:44]
    if len(number) <= 9:
        number_field = number.ljust(9, "<") + check_digit(number.ljust(9, "<"))
        optional = "".ljust(14, "<")
    else:  # ICAO 9303 part 4: the overflow and its check digit open the optional data
        number_field = number[:9] + "<"
        optional = (number[9:] + check_digit(number) + "<").ljust(14, "<")
    optional_field = optional + check_digit(optional)
    dob_field = dob + check_digit(dob)
    expiry_field = expiry + check_digit(expiry)
    composite = number_field + dob_field + expiry_field + optional_field
    line2 = number_field + nationality + dob_field + sex + expiry_field + optional_field
    line2 += check_digit(composite)
    assert len(line1) == 44 and len(line2) == 44, (line1, line2)
    return line1, line2


def draw_face(draw, box, scale=1.0):
    """A simple, clearly synthetic face inside box = (x0, y0, x1, y1)."""
    x0, y0, x1, y1 = box
    w, h = x1 - x0, y1 - y0
    cx = x0 + w / 2
    # hair, head, neck and shoulders
    draw.ellipse((x0 + w * 0.18, y0 + h * 0.06, x1 - w * 0.18, y0 + h * 0.62), fill=(70, 45, 30))
    draw.rectangle((cx - w * 0.09, y0 + h * 0.55, cx + w * 0.09, y0 + h * 0.75), fill=(224, 184, 150))
    draw.ellipse((x0 + w * 0.05, y0 + h * 0.70, x1 - w * 0.05, y1 + h * 0.4), fill=(40, 70, 120))
    draw.ellipse((x0 + w * 0.24, y0 + h * 0.14, x1 - w * 0.24, y0 + h * 0.66), fill=(232, 192, 158))
    # eyes, brows, nose, mouth
    for side in (-1, 1):
        ex = cx + side * w * 0.1
        ey = y0 + h * 0.36
        r = w * 0.035
        draw.ellipse((ex - r * 1.6, ey - r, ex + r * 1.6, ey + r), fill=(255, 255, 255))
        draw.ellipse((ex - r * 0.7, ey - r * 0.7, ex + r * 0.7, ey + r * 0.7), fill=(60, 90, 60))
        draw.line((ex - r * 1.8, ey - r * 2.2, ex + r * 1.8, ey - r * 2.6), fill=(60, 40, 25), width=max(1, int(3 * scale)))
    draw.line((cx, y0 + h * 0.39, cx - w * 0.03, y0 + h * 0.48, cx + w * 0.01, y0 + h * 0.49), fill=(170, 120, 95), width=max(1, int(2 * scale)))
    draw.arc((cx - w * 0.08, y0 + h * 0.47, cx + w * 0.08, y0 + h * 0.57), 20, 160, fill=(160, 60, 60), width=max(1, int(3 * scale)))


def tiny_images(out):
    img = Image.new("RGB", (96, 96), (240, 240, 235))
    d = ImageDraw.Draw(img)
    d.rectangle((8, 8, 87, 87), outline=(30, 60, 120), width=4)
    d.ellipse((28, 28, 67, 67), fill=(200, 80, 60))
    img.save(os.path.join(out, "tiny.png"), optimize=True)
    img.save(os.path.join(out, "tiny.jpg"), quality=70, optimize=True)
    with open(os.path.join(out, "not-an-image.png"), "w") as f:
        f.write("This is a plain text file with a .png name. It is not an image.\n")


def document_front(path):
    w, h = 900, 620
    img = Image.new("RGB", (w, h), (236, 240, 246))
    d = ImageDraw.Draw(img)
    # background guilloche-like bands
    for i in range(-240, w, 36):
        d.line((i, 64, i + 240, h - 120), fill=(224, 230, 240), width=2)
    d.rectangle((0, 0, w, 64), fill=(28, 52, 104))
    d.text((24, 16), "UNITED STATES OF AMERICA", font=font(28), fill=(255, 255, 255))
    d.text((w - 190, 22), "PASSPORT", font=font(24), fill=(255, 255, 255))
    # portrait
    portrait = Image.new("RGB", (220, 290), (214, 222, 232))
    draw_face(ImageDraw.Draw(portrait), (0, 0, 220, 290))
    img.paste(portrait, (30, 96))
    d.rectangle((30, 96, 250, 386), outline=(120, 130, 150), width=2)
    labels = [
        ("Type / Code / Passport No.", "P   USA   X123456789"),
        ("Surname", "DOE"),
        ("Given Names", "JANE MARIE"),
        ("Nationality", "UNITED STATES OF AMERICA"),
        ("Date of birth", "14 MAR 1992"),
        ("Place of birth", "CALIFORNIA, U.S.A."),
        ("Sex", "F"),
        ("Date of issue", "02 AUG 2021"),
        ("Date of expiration", "01 AUG 2031"),
        ("Authority", "United States Department of State"),
    ]
    y = 86
    for label, value in labels:
        d.text((280, y), label, font=font(13), fill=(90, 100, 120))
        d.text((280, y + 14), value, font=font(20), fill=(20, 20, 30))
        y += 40
    # SPECIMEN watermark
    mark = Image.new("RGBA", (w, h), (0, 0, 0, 0))
    md = ImageDraw.Draw(mark)
    md.text((140, 190), "SPECIMEN", font=font(150), fill=(200, 30, 30, 70))
    mark = mark.rotate(14, resample=Image.Resampling.BICUBIC)
    img.paste(mark, (0, 0), mark)
    d = ImageDraw.Draw(img)
    # machine-readable zone, drawn monospaced
    d.rectangle((0, h - 120, w, h), fill=(250, 250, 250))
    mrz = td3_mrz("DOE", "JANE MARIE", "X123456789", "USA", "920314", "F", "310801", "USA")
    for row, line in enumerate(mrz):
        for col, ch in enumerate(line):
            d.text((24 + col * 19.6, h - 104 + row * 48), ch, font=font(30), fill=(10, 10, 10))
    img.save(path, quality=60, optimize=True)
    return mrz


def selfie(path):
    w, h = 480, 600
    img = Image.new("RGB", (w, h), (190, 205, 215))
    d = ImageDraw.Draw(img)
    d.rectangle((0, 0, w, 160), fill=(205, 215, 225))
    draw_face(d, (40, 40, 440, 640), scale=2.0)
    d.text((16, 12), "SYNTHETIC SAMPLE SELFIE", font=font(18), fill=(60, 60, 70))
    img.save(path, quality=72, optimize=True)


def main():
    images = os.path.join(ROOT, "tests", "fixtures", "images")
    events = os.path.join(ROOT, "events")
    os.makedirs(images, exist_ok=True)
    tiny_images(images)
    mrz = document_front(os.path.join(events, "document-front.jpg"))
    selfie(os.path.join(events, "selfie.jpg"))
    for line in mrz:
        print(line)
    for p in ("tests/fixtures/images/tiny.png", "tests/fixtures/images/tiny.jpg",
              "tests/fixtures/images/not-an-image.png", "events/document-front.jpg", "events/selfie.jpg"):
        print(f"{p}: {os.path.getsize(os.path.join(ROOT, p))} bytes")


if __name__ == "__main__":
    sys.exit(main())
