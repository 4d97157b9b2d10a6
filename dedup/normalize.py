"""Vietnamese name normalisation for matching.

Three forms of a name, each computed once per person:

- ``folded``: no diacritics, đ → d, lower case, one space between words, and the
  common spelling variants mapped to one form ("Lý"/"Lí" → ``li``, "Fương" →
  ``phuong``): the form that blocking and the edit distance work on;
- ``marked``: lower case *with* its marks, tone marks moved to the end of each
  word, so the old and new tone placements ("Hoà"/"Hòa", "Thuỷ"/"Thủy") are equal
  while "Hùng" and "Hưng" (which fold alike) stay apart;
- ``plain``: whether the name was written without any diacritics at all
  ("NGUYEN THI HUONG"): such a form agrees with every marked name that folds
  to it, so it is no evidence against a match.
"""

import re
import unicodedata
from functools import lru_cache

_DD = str.maketrans({"đ": "d", "Đ": "d"})
_PUNCT = re.compile(r"[^\w\s]", re.UNICODE)
# The five tone marks: grave, hook above, tilde, acute, dot below.
TONES = frozenset("\u0300\u0309\u0303\u0301\u0323")
# Consonant onsets after which a lone "y" is the same vowel as "i" (Lý/Lí, Kỳ/Kì, Quý/Quí).
_ONSETS = "b c ch d g gh h k kh l m n ng ngh nh p ph q qu r s t th tr v x".split()
_Y_AS_I = re.compile(rf"^({'|'.join(sorted(_ONSETS, key=len, reverse=True))})y$")
# Letters outside the Vietnamese alphabet, as written in loan spellings and typing slips.
_LETTERS = (("dz", "d"), ("f", "ph"), ("z", "d"), ("j", "gi"), ("w", "u"))


def _strip(text: str) -> str:
    return " ".join(_PUNCT.sub(" ", unicodedata.normalize("NFC", text)).split())


@lru_cache(maxsize=131072)
def fold_word(word: str, variants: bool = True) -> str:
    """One word without marks, in its variant form: "Lý" → "li", "Fương" → "phuong"."""
    decomposed = unicodedata.normalize("NFKD", word.translate(_DD))
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    if not variants:
        return plain
    for letters, replacement in _LETTERS:
        if letters in plain:
            plain = plain.replace(letters, replacement)
    return _Y_AS_I.sub(r"\1i", plain)


@lru_cache(maxsize=131072)
def mark_word(word: str) -> str:
    """One word lower case with its marks, the tone mark moved to the end ("Hoà" = "Hòa")."""
    decomposed = unicodedata.normalize("NFD", word.casefold())
    tones = "".join(c for c in decomposed if c in TONES)
    rest = "".join(c for c in decomposed if c not in TONES)
    return unicodedata.normalize("NFC", rest) + tones


def fold_name(text: str, variants: bool = True) -> str:
    """ "  Đặng Thị  Lý " → "dang thi li"; punctuation becomes a space."""
    return " ".join(fold_word(w, variants) for w in _strip(text).split())


def mark_name(text: str) -> str:
    return " ".join(mark_word(w) for w in _strip(text).split())


def is_plain(text: str) -> bool:
    """True when the name carries no Vietnamese marks at all (typed without diacritics)."""
    return text.isascii()


def deletions(word: str) -> set[str]:
    """The word and every form with one letter removed: equal sets share a key after one edit."""
    forms = {word}
    if len(word) > 1:
        forms.update(word[:i] + word[i + 1 :] for i in range(len(word)))
    return forms
