package io.vibework.notify.operator.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.kubernetes.api.model.ResourceRequirements;

public record NotificationPipelineSpec(
    @Required @Pattern(Patterns.IMAGE) @JsonPropertyDescription("Worker container image.")
        String image,
    @Default("" + DEFAULT_REPLICAS)
        @Min(0)
        @Max(100)
        @JsonPropertyDescription("Number of workers; a PodDisruptionBudget is added above 1.")
        Integer replicas,
    @JsonPropertyDescription("Worker container resources (requests and limits).")
        ResourceRequirements resources,
    @Default(LogLevel.DEFAULT_VALUE) @JsonPropertyDescription("Worker log level.")
        LogLevel logLevel,
    @Required @JsonPropertyDescription("The CacheConfig the workers use.") CacheRef cacheRef,
    @Required PubSubSpec pubsub,
    @Required EmailSpec email,
    @Required MysqlSpec mysql,
    @Required MongoDbSpec mongodb) {

  public static final int DEFAULT_REPLICAS = 1;

  public int replicasOrDefault() {
    return replicas == null ? DEFAULT_REPLICAS : replicas;
  }

  public LogLevel logLevelOrDefault() {
    return logLevel == null ? LogLevel.DEFAULT : logLevel;
  }
}
