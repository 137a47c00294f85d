"""The sentences of ``bench/turn_end_unseen.py``: none of them is in the turn-end fixtures.

``requests``: 20 requests cut where people hesitate and 10 complete ones, the
set the word checks were first measured on.  ``commands``: 40 more cut-off
requests and 70 short complete commands and replies ("Call him.", "Me
too.", "Wake me at eight."), written after the rival check
(``WordAwareTurnEnd(unfinished_rival=...)``) was, to see what it costs
finished turns that end on a short word; the first 20 and 40 were looked at
when its threshold was chosen (0.1 over 0.2), the last 20 and 30 only after.
``verbs``: 20 requests cut after a verb or other content word, where a
speaker pausing mid-thought ends on finished-looking words ("I'd like to
reserve… a table for two"), and 20 complete ones that end the same way
("Let me check."); written after the follower check (an unfinished word
close behind the full stop) to see what it catches and costs where the last
word alone cannot tell.  ``VERBS_WHOLE`` holds each cut request's rest, for
cuts out of the whole sentence voiced at once (mid-sentence prosody).
"""

from __future__ import annotations

REQUESTS_CUT = [
    "Can you tell me the",
    "I'm looking for a",
    "Please add eggs and",
    "What's the fastest way to",
    "I was thinking about",
    "Set an alarm for",
    "Could you send a message to",
    "My favorite color is",
    "How long does it take to",
    "Turn the lights in the",
    "Remind me to call",
    "I need to buy",
    "Let's meet at",
    "Tell me a story about",
    "Book a table for",
    "The reason I called is",
    "Can you play something by",
    "I want to go to",
    "Show me pictures of",
    "What is the capital of",
]
"""Requests as a speaker who stops mid-thought says them."""

REQUESTS = [
    "Can you tell me the weather for tomorrow?",
    "I'm looking for a cheap restaurant.",
    "Please add eggs and milk to the list.",
    "Set an alarm for seven thirty.",
    "Remind me to call the dentist.",
    "I need to buy a new phone.",
    "Let's meet at noon.",
    "Tell me a story about dragons.",
    "What is the capital of France?",
    "Show me pictures of cats.",
]
"""Complete requests."""

COMMANDS_CUT = [
    "Could you order me a",
    "I'd like to speak with",
    "Can you find a recipe for",
    "What's the weather going to be like in",
    "Please call my",
    "I want to watch a movie with",
    "Send the report to",
    "Where can I buy some",
    "How do I get from the station to",
    "Play the new album by",
    "Find me a hotel near",
    "I'm trying to remember the name of",
    "Can you translate this into",
    "Schedule a meeting with",
    "What are the opening hours of the",
    "Give me directions to the",
    "I think we should go because",
    "Is it going to rain in",
    "Put the meeting on my",
    "Order two pizzas and",
    "Can you remind me about the",
    "I'd like a coffee with",
    "Please text my brother that",
    "What's the best way to get to",
    "Could you add a reminder for",
    "I want to learn more about",
    "Turn the music down in the",
    "Tell my wife that I'm running",
    "Do you know a good place for",
    "Show me the photos from",
    "I'm calling about my",
    "Send a message to the",
    "What's on my calendar for",
    "Help me write an email to",
    "Find a flight from London to",
    "Read me the news about",
    "How far is it from here to",
    "Can you look up the",
    "I want pizza or",
    "Let me think, maybe the",
]
"""More cut-off requests."""

COMMANDS = [
    "Call him.",
    "Tell me about it.",
    "I love you.",
    "Can you help me?",
    "Thank you.",
    "Do it now.",
    "What time is it?",
    "Turn it off.",
    "Where are they?",
    "Play it again.",
    "I'm done.",
    "Is that all?",
    "Find my keys.",
    "What is that?",
    "Say that again.",
    "Give it to me.",
    "I want two.",
    "Me too.",
    "Ask her.",
    "Send it.",
    "Let's do this.",
    "Read it to me.",
    "What do you think?",
    "Can you hear me?",
    "Open the door.",
    "Where is it?",
    "Who is he?",
    "Turn it up.",
    "Stop.",
    "Add that.",
    "Let's go.",
    "How are you?",
    "I need it.",
    "Check on them.",
    "Wake me at eight.",
    "Buy some more.",
    "Is it on?",
    "Pick one.",
    "Which one?",
    "Start the timer.",
    "Tell her.",
    "Yes, do that.",
    "I don't know.",
    "Play something by Queen.",
    "Good night.",
    "What's the score?",
    "Call my mom.",
    "Is it raining?",
    "Pause the music.",
    "That's right.",
    "Why not?",
    "Book it.",
    "See you later.",
    "Turn on the fan.",
    "Count to ten.",
    "Skip this one.",
    "Read that back.",
    "Where are we?",
    "I got it.",
    "Lock the front door.",
    "Make it louder.",
    "Cancel that.",
    "Are you there?",
    "It's over there.",
    "Leave it on.",
    "Text him.",
    "Thanks a lot.",
    "How old is she?",
    "Play the next one.",
    "Try again.",
]
"""Short complete commands and replies, many ending on a short word."""

VERBS_WHOLE = [
    ("I'd like to reserve", "a table for two."),
    ("Could you text", "my brother for me?"),
    ("Can you book", "a taxi to the station?"),
    ("Please remind me to water", "the plants tomorrow."),
    ("I need to find", "a good dentist."),
    ("Can you stream", "the game on the TV?"),
    ("Let's watch", "a movie tonight."),
    ("Could you send", "the report to Tom?"),
    ("I want to cook", "something with chicken."),
    ("Can you show me", "the photos from yesterday?"),
    ("Please open", "the garage door."),
    ("I'd like to rent", "a car for the weekend."),
    ("Could you check", "the weather in Paris?"),
    ("I want to learn", "some Spanish this year."),
    ("Can you tell me", "the time in Tokyo?"),
    ("Help me write", "an email to my boss."),
    ("We should visit", "my parents on Sunday."),
    ("Can you translate", "this sentence into French?"),
    ("I'm trying to reach", "my doctor's office."),
    ("Please add", "milk to the shopping list."),
]
"""Requests cut after a content word, with the rest a speaker would go on to say."""

VERBS_CUT = [first for first, _ in VERBS_WHOLE]

VERBS = [
    "Let me check.",
    "Please continue.",
    "I'll wait.",
    "Can you help?",
    "Let's eat.",
    "Keep going.",
    "Try it.",
    "I understand.",
    "We can start.",
    "Tell me more.",
    "Call me back.",
    "Play something.",
    "Show me.",
    "Pick me up.",
    "I want to sleep.",
    "Let's go home.",
    "Can you repeat?",
    "I'm listening.",
    "Please hurry.",
    "Let me think.",
]
"""Complete requests that end the way the cut ones do, on a verb or a content word."""
