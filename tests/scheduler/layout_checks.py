"""Checks on a drawn layout shared by the picture and certificate tests."""

from __future__ import annotations

from scheduler.canvas import Layout


def assert_texts_fit_and_do_not_overlap(drawn: Layout) -> None:
    """Every text inside the page and within the box it was fitted to; no two texts'
    boxes (measured width × font size) intersect."""
    boxes = []
    for item in drawn.texts():
        box = (item.left, item.y - item.size / 2, item.right, item.y + item.size / 2)
        left, top, right, bottom = box
        assert left >= 0 and right <= drawn.width, item
        assert top >= 0 and bottom <= drawn.height, item
        if item.max_width is not None:
            assert item.width <= item.max_width, item
        boxes.append((item, box))
    for i, (a, (l1, t1, r1, b1)) in enumerate(boxes):
        for b, (l2, t2, r2, b2) in boxes[i + 1 :]:
            assert r1 <= l2 or r2 <= l1 or b1 <= t2 or b2 <= t1, (a.text, b.text)


def texts(drawn: Layout, role: str) -> list[str]:
    return [item.text for item in drawn.texts(role)]
