/**
 * The {@code local} cloud provider: the AWS step contracts ({@code aws.rds.*}, {@code aws.ec2.*},
 * {@code aws.secrets.get}) for environments with {@code provider: local}, on the PostgreSQL that
 * plays their databases. Snapshots and restores are real database copies ({@code CREATE DATABASE
 * ... TEMPLATE}) recorded in a registry ({@link dev.runbook.worker.local.cloud.CloudRegistry}), so
 * a run deletes only what it made; EC2 steps are simulated and say so.
 */
package dev.runbook.worker.local.cloud;
