/**
 * The step contracts: one activity interface per integration, whose activity type names are the
 * step type names ({@code sql.change}, {@code aws.ec2.start} ...). Inputs and outputs are the small
 * records {@link dev.runbook.engine.activities.StepRequest} and {@link
 * dev.runbook.engine.activities.StepResult}; never SDK types, never secret values.
 */
package dev.runbook.engine.activities;
