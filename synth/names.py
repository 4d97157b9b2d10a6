"""Vietnamese names: weighted tables, a fast picker, and the perturbations of duplicates.

Family-name shares follow the published Vietnamese figures (Nguyễn ≈ 38 %,
Trần 11 %, Lê 9.5 % …) with a northern tilt (Hoàng over Huỳnh, Vũ over Võ), as in
Hải Phòng. Middle names depend on sex and on the cohort (Văn/Thị are far more common
before 1990). Every part is stored NFC with its folded form, so a full name and its
``name_folded`` are built by joining, without calling ``fold`` per person.
"""

import random
import unicodedata
from bisect import bisect
from itertools import accumulate

from surveys.text import fold

FAMILY_NAMES = (
    ("Nguyễn", 38.0), ("Trần", 11.0), ("Lê", 9.5), ("Phạm", 7.0), ("Hoàng", 4.4), ("Huỳnh", 0.6),
    ("Phan", 4.5), ("Vũ", 3.3), ("Võ", 0.6), ("Đặng", 2.1), ("Bùi", 2.0), ("Đỗ", 1.4), ("Hồ", 1.3),
    ("Ngô", 1.3), ("Dương", 1.0), ("Lý", 0.5), ("Đào", 0.8), ("Đinh", 0.8), ("Mai", 0.6),
    ("Trịnh", 0.6), ("Lương", 0.5), ("Cao", 0.5), ("Tô", 0.4), ("Lưu", 0.4), ("Vương", 0.3),
    ("Phùng", 0.4), ("Tạ", 0.3), ("Hà", 0.5), ("Quách", 0.2), ("Đoàn", 0.4), ("Nghiêm", 0.2),
    ("Lại", 0.2), ("Kiều", 0.2), ("Khúc", 0.1), ("Thái", 0.2), ("Lâm", 0.3), ("Triệu", 0.2),
    ("Chu", 0.2), ("Tăng", 0.1), ("Phí", 0.1),
)  # fmt: skip

# (name, weight among people born before 1990, weight among people born 1990 or later)
MIDDLE_MALE = (
    ("Văn", 55, 18), ("Đức", 7, 9), ("Minh", 5, 12), ("Quang", 5, 7), ("Hữu", 5, 4), ("Công", 4, 4),
    ("Thành", 3, 5), ("Xuân", 3, 2), ("Tiến", 2, 3), ("Mạnh", 2, 3), ("Duy", 1, 5), ("Hoàng", 2, 5),
    ("Trọng", 2, 3), ("Ngọc", 2, 2), ("Anh", 1, 4), ("Đình", 3, 3), ("Quốc", 2, 4), ("Gia", 0.5, 5),
    ("Bá", 1, 1), ("Việt", 1, 3), ("Tuấn", 1, 3), ("Hải", 1, 2), ("Bảo", 0.5, 4), ("Nhật", 0.2, 3),
)  # fmt: skip
MIDDLE_FEMALE = (
    ("Thị", 68, 28), ("Ngọc", 4, 8), ("Thu", 4, 6), ("Thanh", 4, 6), ("Phương", 2, 5),
    ("Thùy", 2, 5), ("Minh", 1, 6), ("Hồng", 3, 3), ("Kim", 2, 3), ("Mai", 1, 3), ("Bích", 2, 2),
    ("Khánh", 0.5, 5), ("Bảo", 0.3, 5), ("Hải", 1, 2), ("Diệu", 0.5, 2), ("Hoài", 1, 2),
    ("Thúy", 2, 2), ("Lan", 1, 2), ("Quỳnh", 0.5, 3), ("Tuyết", 1, 1), ("Hà", 0.5, 2),
)  # fmt: skip
GIVEN_MALE = (
    "Hùng Nam Dũng Tuấn Minh Hải Long Thắng Hoàng Sơn Cường Quân Huy Phong Bình Đức Tùng Trung "
    "Hiếu Thành Khánh Kiên Vinh Việt Tú Tâm Nghĩa Hưng Lâm Quang Toàn Thịnh Phúc Khoa Đạt Duy Tài "
    "Lộc An Bảo Hòa Thái Tiến Trường Chiến Công Định Giang Hào Hiệp Khải Lợi Mạnh Nhật Phát Quý "
    "Sang Tân Thanh Thuận Trí Vũ Đông Đăng Huấn Hậu Nguyên Phú Dương Hiển Kiệt Luân Ngọc Quyết "
    "Sỹ Thiện Thông Thuấn Tín Trọng Văn Vượng Xuân Khôi Khang Lâm Nhân Phước"
).split()
GIVEN_FEMALE = (
    "Hương Lan Hoa Mai Linh Trang Hằng Hà Nga Thủy Thảo Ngọc Yến Phương Anh Huyền Nhung Hạnh "
    "Liên Loan Dung Hồng Vân Hiền Oanh Quỳnh Trâm Vy Nhi Châu Giang My Ly Thu Xuân Tuyết Nhàn Lệ "
    "Hòa Thúy Duyên Diệp Khánh Ánh Uyên Chi Ngân Thanh Tâm Hải Lam Thơ Minh Huệ Hiên Lụa Nhài "
    "Quyên Sen Tươi Thắm Vui Xoan Đào Cúc Gấm Hạ Hậu Hoài Kiều Lài Lý Mơ Nguyệt Nhàn Phượng Thư "
    "Trinh Tú Vinh Yên"
).split()


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


class WeightedTable:
    """Draw an item by weight with one random number and a binary search."""

    def __init__(self, items: list[tuple[str, float]]):
        self.items = [_nfc(name) for name, _w in items]
        self.folded = [fold(name) for name in self.items]
        self.cumulative = list(accumulate(weight for _n, weight in items))
        self.total = self.cumulative[-1]

    def index(self, rng: random.Random) -> int:
        return bisect(self.cumulative, rng.random() * self.total)

    def pick(self, rng: random.Random) -> tuple[str, str]:
        i = bisect(self.cumulative, rng.random() * self.total)
        return self.items[i], self.folded[i]


def _zipf(names: list[str]) -> list[tuple[str, float]]:
    """Given names: the first in the list are the most common (weight 1/(rank+4))."""
    seen: dict[str, None] = dict.fromkeys(names)  # keep order, drop repeats
    return [(name, 1.0 / (rank + 4)) for rank, name in enumerate(seen)]


FAMILY = WeightedTable(list(FAMILY_NAMES))
MIDDLE = {
    ("male", True): WeightedTable([(n, old) for n, old, _y in MIDDLE_MALE]),
    ("male", False): WeightedTable([(n, young) for n, _o, young in MIDDLE_MALE]),
    ("female", True): WeightedTable([(n, old) for n, old, _y in MIDDLE_FEMALE]),
    ("female", False): WeightedTable([(n, young) for n, _o, young in MIDDLE_FEMALE]),
}
GIVEN = {"male": WeightedTable(_zipf(GIVEN_MALE)), "female": WeightedTable(_zipf(GIVEN_FEMALE))}


def pick_family(rng: random.Random) -> tuple[str, str]:
    """A family name and its folded form."""
    return FAMILY.pick(rng)


def pick_name(
    rng: random.Random, family: tuple[str, str], sex: str, birth_year: int
) -> tuple[str, str]:
    """A full name (NFC) and its folded form, for a person of the given family, sex and cohort."""
    middle, middle_folded = MIDDLE[sex, birth_year < 1990].pick(rng)
    given, given_folded = GIVEN[sex].pick(rng)
    if given == middle:  # "Việt Việt": draw once more
        given, given_folded = GIVEN[sex].pick(rng)
    return (
        f"{family[0]} {middle} {given}",
        f"{family[1]} {middle_folded} {given_folded}",
    )


# --- Perturbations of injected duplicates ----------------------------------------

_TYPO_LETTERS = "aăâeêioôơuưynhmtgc"


def without_diacritics(name: str, upper: bool) -> str:
    """ "Nguyễn Thị Hương" → "Nguyen Thi Huong" (or "NGUYEN THI HUONG")."""
    decomposed = unicodedata.normalize("NFD", name.replace("đ", "d").replace("Đ", "D"))
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return plain.upper() if upper else plain


def with_typo(rng: random.Random, name: str) -> str:
    """One wrong letter in the given name (the last word): replaced, dropped or swapped."""
    words = name.split()
    given = words[-1]
    for _attempt in range(20):
        changed = _typo_word(rng, given)
        if changed != given and changed:
            return _nfc(" ".join([*words[:-1], changed]))
    return _nfc(" ".join([*words[:-1], given + "h"]))


def _typo_word(rng: random.Random, word: str) -> str:
    chars = list(word)
    pos = rng.randrange(1, len(chars)) if len(chars) > 1 else 0
    op = rng.randrange(3)
    if op == 0 or len(chars) < 3:
        chars[pos] = rng.choice(_TYPO_LETTERS)
    elif op == 1:
        del chars[pos]
    else:  # swap two neighbours, never the capital
        pos = max(1, min(pos, len(chars) - 2))
        chars[pos], chars[pos + 1] = chars[pos + 1], chars[pos]
    return "".join(chars)
