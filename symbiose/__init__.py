"""Symbiose: flow inventories, units, the Dunkirk territory, scenarios and reports."""
