"""售后助手 (after-sales assistant): suggests intent, script, evidence and case actions for buyer messages."""

__version__ = "0.1.0"
