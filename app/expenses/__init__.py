"""Petty cash: expenses a till pays out of its drawer, approved by a manager above the branch's limit."""
