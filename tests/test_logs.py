import logging

from service.logs import scrub


def test_phones_and_tokens_are_scrubbed_from_log_records(app, caplog):
    with caplog.at_level(logging.INFO):
        logging.getLogger("werkzeug").info(
            '"GET /api/v1/members?phone=13812345678 HTTP/1.1" Authorization: Bearer abc.def-123'
        )
    text = caplog.text
    assert "13812345678" not in text and "138****5678" in text
    assert "abc.def-123" not in text and "Bearer ***" in text


def test_scrub_leaves_other_numbers_alone():
    assert scrub("order 20261122123456 id 42") == "order 20261122123456 id 42"
