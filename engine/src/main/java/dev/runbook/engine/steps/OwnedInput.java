package dev.runbook.engine.steps;

import java.util.Set;

/**
 * An input that must name something this run created: it has to be exactly {@code ${{
 * steps.<id>.outputs.<output> }}} of an earlier step whose type is one of {@code creators}.
 */
public record OwnedInput(String input, Set<String> creators, String output, String what) {}
