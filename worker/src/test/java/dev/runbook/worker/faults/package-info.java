/**
 * Crashes and faults of the worker, process level and per dependency: {@link
 * dev.runbook.worker.faults.FaultsSuite} lists every fault with its expected outcome and the test
 * that shows it (the ones here and those next to the code they exercise), and runs them all.
 */
package dev.runbook.worker.faults;
