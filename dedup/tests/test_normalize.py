import pytest

from dedup.normalize import deletions, fold_name, is_plain, mark_name


@pytest.mark.parametrize(
    ("written", "folded"),
    [
        ("Nguyễn Thị Hương", "nguyen thi huong"),
        ("NGUYEN THI HUONG", "nguyen thi huong"),
        ("  nguyễn   thị hương ", "nguyen thi huong"),
        ("Đặng Văn Đức", "dang van duc"),
        ("Dang Van Duc", "dang van duc"),
        ("Lê Thị Lý", "le thi li"),  # Lý / Lí
        ("Lê Thị Lí", "le thi li"),
        ("Trần Quý", "tran qui"),  # Quý / Quí
        ("Phạm Fương", "pham phuong"),  # a loan spelling
        ("Nguyễn-Văn.Nam", "nguyen van nam"),
    ],
)
def test_names_fold_to_one_form(written, folded):
    assert fold_name(written) == folded


def test_nguyen_thi_huong_matches_its_plain_capitals():
    assert fold_name("Nguyễn Thị Hương") == fold_name("NGUYEN THI HUONG")
    assert is_plain("NGUYEN THI HUONG") and not is_plain("Nguyễn Thị Hương")


def test_dang_matches_dang_without_the_stroke():
    assert fold_name("Đặng") == fold_name("Dang") == "dang"


def test_old_and_new_tone_placement_are_the_same_marked_name():
    assert mark_name("Hoà") == mark_name("Hòa")
    assert mark_name("Thuỷ") == mark_name("Thủy")


def test_names_that_only_fold_alike_keep_their_marks_apart():
    assert fold_name("Hùng") == fold_name("Hưng")
    assert mark_name("Hùng") != mark_name("Hưng")


def test_one_edit_apart_share_a_deletion_form():
    assert deletions("hung") & deletions("hun")  # a letter dropped
    assert deletions("hung") & deletions("hang")  # a letter replaced
    assert deletions("hung") & deletions("hnug")  # two letters swapped
    assert not deletions("hung") & deletions("lan")
