"""What an inbound message means before the dialogue sees it (keywords, repeats, opted-out
numbers), and the recording of the dialogue's answer: the gateway (bot/) only carries messages."""
