package dev.runbook.worker.aws;

import dev.runbook.engine.workflow.FailureType;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import software.amazon.awssdk.services.rds.RdsClient;
import software.amazon.awssdk.services.rds.model.DBCluster;
import software.amazon.awssdk.services.rds.model.DBClusterSnapshot;
import software.amazon.awssdk.services.rds.model.DBInstance;
import software.amazon.awssdk.services.rds.model.DBSnapshot;
import software.amazon.awssdk.services.rds.model.Filter;
import software.amazon.awssdk.services.rds.model.Tag;

/**
 * Finding one RDS resource by identifier with a filter, so that "not there" is an empty answer
 * rather than an error. Filtered Describe calls may answer in pages (an empty page with a {@code
 * Marker}), so every page is read, at most 100.
 */
final class RdsLookup {
  private static final int MAX_PAGES = 100;

  private final RdsClient rds;
  private final AwsCalls calls;

  RdsLookup(RdsClient rds, AwsCalls calls) {
    this.rds = rds;
    this.calls = calls;
  }

  /** One page: its items and the marker of the next page (null at the end). */
  private record Page<T>(List<T> items, String marker) {}

  private <T> Optional<T> find(
      String what, Function<String, Page<T>> page, Function<T, String> idOf, String id) {
    String marker = null;
    for (int n = 0; n < MAX_PAGES; n++) {
      Page<T> p = page.apply(marker);
      for (T item : p.items()) {
        if (id.equalsIgnoreCase(idOf.apply(item))) {
          return Optional.of(item);
        }
      }
      marker = p.marker();
      if (marker == null || marker.isEmpty()) {
        return Optional.empty();
      }
    }
    throw calls.fail(
        FailureType.STEP_FAILED, "more than " + MAX_PAGES + " pages looking for " + what);
  }

  Optional<DBInstance> instance(String id) {
    return find(
        "instance " + id,
        marker -> {
          var r =
              calls.run(
                  "rds:DescribeDBInstances",
                  "instance " + id,
                  () ->
                      rds.describeDBInstances(
                          b -> b.filters(filter("db-instance-id", id)).marker(marker)));
          return new Page<>(r.dbInstances(), r.marker());
        },
        DBInstance::dbInstanceIdentifier,
        id);
  }

  Optional<DBCluster> cluster(String id) {
    return find(
        "cluster " + id,
        marker -> {
          var r =
              calls.run(
                  "rds:DescribeDBClusters",
                  "cluster " + id,
                  () ->
                      rds.describeDBClusters(
                          b -> b.filters(filter("db-cluster-id", id)).marker(marker)));
          return new Page<>(r.dbClusters(), r.marker());
        },
        DBCluster::dbClusterIdentifier,
        id);
  }

  Optional<DBSnapshot> snapshot(String id) {
    return find(
        "snapshot " + id,
        marker -> {
          var r =
              calls.run(
                  "rds:DescribeDBSnapshots",
                  "snapshot " + id,
                  () ->
                      rds.describeDBSnapshots(
                          b -> b.filters(filter("db-snapshot-id", id)).marker(marker)));
          return new Page<>(r.dbSnapshots(), r.marker());
        },
        DBSnapshot::dbSnapshotIdentifier,
        id);
  }

  Optional<DBClusterSnapshot> clusterSnapshot(String id) {
    return find(
        "cluster snapshot " + id,
        marker -> {
          var r =
              calls.run(
                  "rds:DescribeDBClusterSnapshots",
                  "cluster snapshot " + id,
                  () ->
                      rds.describeDBClusterSnapshots(
                          b -> b.filters(filter("db-cluster-snapshot-id", id)).marker(marker)));
          return new Page<>(r.dbClusterSnapshots(), r.marker());
        },
        DBClusterSnapshot::dbClusterSnapshotIdentifier,
        id);
  }

  /** The value of tag {@code key}, or null. */
  static String tag(List<Tag> tags, String key) {
    return tags.stream().filter(t -> key.equals(t.key())).map(Tag::value).findFirst().orElse(null);
  }

  private static Filter filter(String name, String value) {
    return Filter.builder().name(name).values(value).build();
  }
}
