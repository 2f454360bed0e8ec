"""The Faust app and every topic, declared once (agents import from here)."""
