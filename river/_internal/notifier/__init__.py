"""The notifier (LISTEN/NOTIFY), notifications and event subscriptions."""
