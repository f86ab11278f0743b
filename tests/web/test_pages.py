"""The shared pages: a refusal of several problems is a list, one problem a sentence."""

from __future__ import annotations

from web.pages import message


def test_a_refusal_of_several_problems_is_a_list_and_of_one_a_sentence() -> None:
    several = bytes(message(409, "Không thực hiện được", "Lò Văn Quý: thiếu sáng kiến\nTổ Toán: thiếu số liệu").body)
    text = several.decode()
    assert "Có 2 điều cần sửa:" in text
    assert '<ul id="problems"><li>Lò Văn Quý: thiếu sáng kiến</li><li>Tổ Toán: thiếu số liệu</li></ul>' in text
    one = bytes(message(409, "Không thực hiện được", "Chưa chọn hành động.").body).decode()
    assert 'id="problems"' not in one and '<p class="notice" role="alert">Chưa chọn hành động.</p>' in one
