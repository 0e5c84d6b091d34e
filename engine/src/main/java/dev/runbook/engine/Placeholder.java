package dev.runbook.engine;

final class Placeholder {}
