"""Vietnamese text helpers: folding for search and matching, and the Vietnamese sort order."""

import unicodedata
from functools import lru_cache

# đ/Đ have no Unicode decomposition: map them by hand.
_MAP = str.maketrans({"đ": "d", "Đ": "d"})


@lru_cache(maxsize=65536)
def _fold_char(ch: str) -> str:
    decomposed = unicodedata.normalize("NFKD", ch.translate(_MAP))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def fold(text: str) -> str:
    """Lower-case, without diacritics, đ → d, spaces collapsed: "  Đặng Thị  Hương" → "dang thi huong"."""
    return " ".join("".join(_fold_char(ch) for ch in text).split())


def clean_name(text: str) -> str:
    """A name as stored: NFC, spaces collapsed, trimmed."""
    return " ".join(unicodedata.normalize("NFC", text).split())


# The Vietnamese alphabet order, then the tones: a < ă < â < b … d < đ …
_ALPHABET = "aăâbcdđeêghiklmnoôơpqrstuưvxy"
_TONES = {
    "": 0,
    "\u0300": 2,
    "\u0309": 3,
    "\u0303": 4,
    "\u0301": 5,
    "\u0323": 6,
}  # ngang, huyền, hỏi, ngã, sắc, nặng


def _letter_key(ch: str) -> tuple[int, int]:
    lower = unicodedata.normalize("NFD", ch.lower())
    base, marks = lower[0], lower[1:]
    tone = 0
    for mark in marks:
        if mark in _TONES:
            tone = _TONES[mark]
        elif mark == "\u0306" and base == "a":
            base = "ă"
        elif mark == "\u0302" and base in "aeo":
            base = {"a": "â", "e": "ê", "o": "ô"}[base]
        elif mark == "\u031b" and base in "ou":
            base = {"o": "ơ", "u": "ư"}[base]
    index = _ALPHABET.find(base)
    return (index if index >= 0 else 100 + ord(base), tone)


def _word_key(word: str) -> tuple:
    letters = [_letter_key(ch) for ch in word if not ch.isspace()]
    return (tuple(k[0] for k in letters), tuple(k[1] for k in letters))


def vi_name_sort_key(full_name: str) -> tuple:
    """Sort the Vietnamese way: by given name, then family name, then middle names."""
    words = clean_name(full_name).split()
    if not words:
        return ((), (), ())
    given, family, middle = words[-1], words[0] if len(words) > 1 else "", " ".join(words[1:-1])
    return (_word_key(given), _word_key(family), _word_key(middle))


def _sort_letters(word: str) -> tuple[str, str]:
    letters, tones = [], []
    for ch in word:
        if ch.isspace():
            continue
        index, tone = _letter_key(ch)
        letters.append(f"{index + 10:02d}" if index < 90 else f"99{min(index - 100, 999999):06d}")
        tones.append(str(tone + 1))
    return "".join(letters) + "00", "".join(tones)


def vi_sort_key_text(full_name: str, max_length: int = 255) -> str:
    """``vi_name_sort_key`` as a string of digits, for a database index to sort by.

    Each letter is two digits (its place in the Vietnamese alphabet, others "99" and
    its code point), each word ends with "00", then come its tones: comparing the
    strings compares the tuples, whatever the database collation (only digits).
    """
    words = clean_name(full_name).split()
    if not words:
        return ""
    given, family, middle = words[-1], words[0] if len(words) > 1 else "", " ".join(words[1:-1])
    return "".join("".join(_sort_letters(word)) for word in (given, family, middle))[:max_length]
