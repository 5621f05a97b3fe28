"""Tests of pipeline.normalize (a package so its module names never clash with other folders)."""
