package io.vibework.notify.operator.api;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.api.model.HasMetadata;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What fabric8's CRD generator cannot be told: printer columns in the order the model declares them
 * (the generator sorts them by JSON path, so kubectl printed NAME AGE REASON READY ...), and a
 * leading {@code ---} so the files concatenate into one valid stream. Runs on the generator's
 * output in the build (operator/pom.xml, so {@code make crds} copies processed files) and in {@code
 * CrdsUpToDateTest}, which therefore compares exactly what {@code make crds} writes.
 *
 * <p>Text in, text out: only the order of the column items changes, nothing is re-serialised.
 */
public final class CrdPostProcessor {

  static final List<Class<? extends HasMetadata>> KINDS =
      List.of(NotificationPipeline.class, CacheConfig.class);

  private static final Pattern COLUMNS = Pattern.compile("^( *)(- )?additionalPrinterColumns:$");
  private static final Pattern NAME = Pattern.compile("^ *(- )?name: \"?([^\"]*)\"?$");
  private static final Pattern KIND = Pattern.compile("^    kind: \"?([^\"]*)\"?$");

  private CrdPostProcessor() {}

  /** Processes every generated {@code *.yml} in {@code dir} in place. */
  public static void process(Path dir) throws IOException {
    try (var files = Files.list(dir)) {
      for (Path file : files.filter(f -> f.toString().endsWith(".yml")).sorted().toList()) {
        String text = Files.readString(file, StandardCharsets.UTF_8);
        Files.writeString(file, process(text), StandardCharsets.UTF_8);
      }
    }
  }

  static String process(String yaml) {
    List<String> lines = new ArrayList<>(Arrays.asList(yaml.split("\n", -1)));
    List<String> order = columnOrder(lines);
    for (int i = 0; i < lines.size(); i++) {
      Matcher m = COLUMNS.matcher(lines.get(i));
      if (m.matches()) {
        int column = m.group(1).length() + (m.group(2) == null ? 0 : 2);
        reorder(lines, i + 1, column, order);
      }
    }
    if (!lines.get(0).equals("---")) {
      lines.add(0, "---");
    }
    return String.join("\n", lines);
  }

  /** The items of the list starting at {@code from}, each "- " at {@code column}, sorted. */
  private static void reorder(List<String> lines, int from, int column, List<String> order) {
    String item = " ".repeat(column) + "- ";
    String inside = " ".repeat(column + 2);
    List<List<String>> items = new ArrayList<>();
    int end = from;
    while (end < lines.size()) {
      String line = lines.get(end);
      if (line.startsWith(item)) {
        items.add(new ArrayList<>(List.of(line)));
      } else if (line.startsWith(inside) && !items.isEmpty()) {
        items.get(items.size() - 1).add(line);
      } else {
        break;
      }
      end++;
    }
    List<List<String>> sorted = new ArrayList<>(items);
    sorted.sort(Comparator.comparingInt(lines1 -> rank(order, name(lines1))));
    List<String> replacement = sorted.stream().flatMap(List::stream).toList();
    for (int i = from; i < end; i++) {
      lines.set(i, replacement.get(i - from));
    }
  }

  private static int rank(List<String> order, String name) {
    int i = order.indexOf(name);
    return i < 0 ? order.size() : i;
  }

  private static String name(List<String> item) {
    for (String line : item) {
      Matcher m = NAME.matcher(line);
      if (m.matches()) {
        return m.group(2);
      }
    }
    return "";
  }

  /** Column names in the order the kind's class declares its {@link AdditionalPrinterColumn}s. */
  private static List<String> columnOrder(List<String> lines) {
    String kind =
        lines.stream()
            .map(KIND::matcher)
            .filter(Matcher::matches)
            .map(m -> m.group(1))
            .findFirst()
            .orElse("");
    return KINDS.stream()
        .filter(k -> HasMetadata.getKind(k).equals(kind))
        .findFirst()
        .map(
            k ->
                Arrays.stream(k.getAnnotationsByType(AdditionalPrinterColumn.class))
                    .map(AdditionalPrinterColumn::name)
                    .toList())
        .orElse(List.of());
  }

  /** {@code CrdPostProcessor <dir>}: the build runs it on the generator's output. */
  public static void main(String[] args) throws IOException {
    process(Path.of(args[0]));
  }
}
