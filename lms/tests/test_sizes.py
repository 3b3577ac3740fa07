from lms.selectors import size_mb_label


def test_sizes_read_in_spanish_megabytes_rounded_up():
    assert size_mb_label(21_000_000) == "21 MB"
    assert size_mb_label(20_400_000) == "21 MB"  # never understate a data budget
    assert size_mb_label(104_000_000) == "104 MB"
    assert size_mb_label(300_000) == "0,3 MB"
    assert size_mb_label(2_540_000) == "2,6 MB"
    assert size_mb_label(1_500) == "0,1 MB"
    assert size_mb_label(1_234_000_000) == "1.234 MB"
