"""The app's icons, made with Pillow from one source image (field/assets/icon-source.png).

``make_icons()`` writes every size the manifest and the pages use into
field/static/field/icons/: "any" icons (the glyph on a rounded tile), "maskable"
icons (full-bleed background, the glyph inside the safe zone: the central circle
of 80% diameter that every launcher mask keeps), an apple-touch icon and a favicon.
Run ``python manage.py field_icons`` after changing the source image.
"""

from pathlib import Path

from PIL import Image, ImageDraw

APP_DIR = Path(__file__).resolve().parent
SOURCE = APP_DIR / "assets" / "icon-source.png"
OUT_DIR = APP_DIR / "static" / "field" / "icons"
BACKGROUND = (11, 83, 148, 255)  # PWA_APP_THEME_COLOR #0b5394

ANY_SIZES = (48, 72, 96, 128, 144, 152, 192, 256, 384, 512)
MASKABLE_SIZES = (192, 512)
APPLE_SIZE = 180
FAVICON_SIZE = 32
GLYPH_ANY = 0.72  # share of the tile the glyph covers
GLYPH_MASKABLE = 0.56  # ≤ 0.8 / √2: the glyph's square fits in the safe-zone circle
CORNER = 0.18  # rounded-corner radius of "any" icons, share of the side


def manifest_icons(static_url: str = "/static/") -> list[dict]:
    """The manifest's icon list (PWA_APP_ICONS)."""
    base = f"{static_url}field/icons/"
    icons = [
        {"src": f"{base}icon-{s}.png", "sizes": f"{s}x{s}", "type": "image/png", "purpose": "any"}
        for s in ANY_SIZES
    ]
    icons += [
        {
            "src": f"{base}maskable-{s}.png",
            "sizes": f"{s}x{s}",
            "type": "image/png",
            "purpose": "maskable",
        }
        for s in MASKABLE_SIZES
    ]
    return icons


def _glyph(source: Image.Image, side: int, share: float) -> tuple[Image.Image, tuple[int, int]]:
    size = max(1, round(side * share))
    glyph = source.resize((size, size), Image.Resampling.LANCZOS)
    offset = (side - size) // 2
    return glyph, (offset, offset)


def _tile(source: Image.Image, side: int, *, share: float, rounded: bool) -> Image.Image:
    scale = 4  # draw the rounded corners large, then shrink: smooth edges
    canvas = Image.new("RGBA", (side * scale, side * scale), (0, 0, 0, 0))
    draw = ImageDraw.Draw(canvas)
    radius = round(side * scale * CORNER) if rounded else 0
    draw.rounded_rectangle(
        (0, 0, side * scale - 1, side * scale - 1), radius=radius, fill=BACKGROUND
    )
    tile = canvas.resize((side, side), Image.Resampling.LANCZOS)
    glyph, offset = _glyph(source, side, share)
    tile.alpha_composite(glyph, offset)
    return tile


def _save(image: Image.Image, path: Path) -> None:
    """A palette PNG: a flat two-colour glyph needs no more than 64 shades (about a third of the bytes)."""
    method = Image.Quantize.FASTOCTREE if image.mode == "RGBA" else Image.Quantize.MEDIANCUT
    image.quantize(colors=64, method=method).save(path, "PNG", optimize=True)


def make_icons(source_path: Path = SOURCE, out_dir: Path = OUT_DIR) -> list[Path]:
    source = Image.open(source_path).convert("RGBA")
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for side in ANY_SIZES:
        path = out_dir / f"icon-{side}.png"
        _save(_tile(source, side, share=GLYPH_ANY, rounded=True), path)
        written.append(path)
    for side in MASKABLE_SIZES:
        path = out_dir / f"maskable-{side}.png"
        _save(_tile(source, side, share=GLYPH_MASKABLE, rounded=False), path)
        written.append(path)
    apple = _tile(source, APPLE_SIZE, share=GLYPH_ANY, rounded=False).convert(
        "RGB"
    )  # iOS wants it opaque
    _save(apple, out_dir / "apple-touch-icon.png")
    _save(_tile(source, FAVICON_SIZE, share=0.8, rounded=True), out_dir / "favicon-32.png")
    written += [out_dir / "apple-touch-icon.png", out_dir / "favicon-32.png"]
    return written
