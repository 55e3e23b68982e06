"""A line the reader is unsure of, through signed Slack requests: nothing is stored until its Save button is pressed.

Uses the real app and the fake Web API from `tests/test_slack.py` (its `bot` and `fake` fixtures).
"""

from __future__ import annotations

import json

from tests.slack_signing import block_actions_payload
from tests.test_slack import Bot, all_text, assert_within_slack_limits, bot, button, fake  # noqa: F401

TRIGGER = "13345224609.738474920.8088930838d88f008e0"


async def test_an_unsure_line_stores_nothing_until_save_is_pressed(bot: Bot) -> None:  # noqa: F811
    reply = await bot.reply("/interview", "Latham callbak yesterday 2pm -- met two partners")

    assert reply["response_type"] == "ephemeral"
    assert reply["text"] == "Not saved yet: is this right?"
    text = all_text(reply["blocks"])
    assert "*Interview* · Latham · callback · yesterday, 2:00pm" in text
    assert "'callbak' looks like 'callback'." in text
    assert_within_slack_limits(reply["blocks"])
    assert bot.count("activities") == 0

    save = button(reply["blocks"], "Save")
    assert json.loads(save["value"]) == {"c": "interview",
                                         "t": '"Latham" callback 2026-11-26 2:00pm -- met two partners'}
    response = await bot.interact(block_actions_payload(save["action_id"], save["value"],
                                                        response_url=bot.fake.response_url("save")))
    assert response.status == 200
    await bot.fake.wait_for_calls("response_url")
    [posted] = bot.fake.response_url_posts("save")
    assert posted["text"] == "Logged callback interview at Latham, yesterday at 2:00pm (#1)."
    [row] = bot.activities()
    assert (row["kind"], row["subtype"], row["org"], row["happened_on"], row["notes"]) == (
        "interview", "callback", "Latham", "2026-11-26", "met two partners")
    assert row["source"] == "slack:button"


async def test_cancel_stores_nothing_and_change_opens_the_form_prefilled(bot: Bot) -> None:  # noqa: F811
    reply = await bot.reply("/network", "coffee with Jane next week -- ask about the tax group")
    actions = next(b for b in reply["blocks"] if b["type"] == "actions")
    assert [b["text"]["text"] for b in actions["elements"]] == ["Change", "Cancel"]  # no day: no Save

    cancel = button(reply["blocks"], "Cancel")
    await bot.interact(block_actions_payload(cancel["action_id"], cancel["value"],
                                             response_url=bot.fake.response_url("cancel")))
    await bot.fake.wait_for_calls("response_url")
    assert bot.fake.response_url_posts("cancel")[0]["text"] == "Cancelled: nothing was saved."

    change = button(reply["blocks"], "Change")
    await bot.interact(block_actions_payload(change["action_id"], change["value"], trigger_id=TRIGGER))
    [opened] = await bot.fake.wait_for_calls("views.open")
    view = opened.args["view"]
    view = json.loads(view) if isinstance(view, str) else view
    elements = {b["block_id"]: b["element"] for b in view["blocks"]}
    assert elements["org"]["initial_value"] == "Jane"
    assert elements["subtype"]["initial_option"]["value"] == "coffee"
    assert elements["notes"]["initial_value"] == "ask about the tax group"
    assert "initial_date" not in elements["day"]  # "next week" is not a day: the member picks it
    assert bot.count("activities") == 0
