"""Vietnamese text folding for accent-insensitive search."""

import unicodedata


def fold(text: str) -> str:
    """'Lý Sơn, Đắk Lắk' -> 'ly son, dak lak': NFD, drop combining marks, đ -> d, casefold."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.casefold().split())
