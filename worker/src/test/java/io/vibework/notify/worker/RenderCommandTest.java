package io.vibework.notify.worker;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RenderCommandTest {
  @TempDir Path dir;
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  private int render(String... args) {
    return RenderCommand.run(
        args,
        new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  /** Lays the directory out as the kubelet mounts a ConfigMap: keys are links into ..data. */
  private void mountConfigMap(String... keysAndValues) throws IOException {
    Path data = Files.createDirectory(dir.resolve("..2026_12_04_06_00_00.000000001"));
    for (int i = 0; i < keysAndValues.length; i += 2) {
      Files.writeString(data.resolve(keysAndValues[i]), keysAndValues[i + 1]);
    }
    Files.createSymbolicLink(dir.resolve("..data"), data.getFileName());
    for (int i = 0; i < keysAndValues.length; i += 2) {
      Files.createSymbolicLink(
          dir.resolve(keysAndValues[i]), Path.of("..data").resolve(keysAndValues[i]));
    }
  }

  @Test
  void printsWhatTheWorkerWouldSendFromAMountedConfigMap() throws IOException {
    mountConfigMap(
        "welcome.subject", "Hello {{name}}, welcome aboard",
        "welcome.html", "<h1>Hi {{name}}</h1>\n<p>We wrote to {{recipient}}.</p>\n");

    int code =
        render(
            "--templates",
            dir.toString(),
            "--template",
            "welcome",
            "--data",
            "{\"name\":\"Ada & <Co>\"}",
            "--recipient",
            "ada@example.com");

    assertThat(code).as(err.toString()).isZero();
    assertThat(out.toString(StandardCharsets.UTF_8))
        .isEqualTo(
            """
            Subject: Hello Ada & <Co>, welcome aboard

            --- text/plain ---
            Hi Ada & <Co>

            We wrote to ada@example.com.
            --- text/html ---
            <h1>Hi Ada &amp; &lt;Co&gt;</h1>
            <p>We wrote to ada@example.com.</p>

            """);
  }

  @Test
  void withoutADirectoryItRendersTheBuiltIns() {
    assertThat(
            render("--template", "notification", "--data", "{\"title\":\"T\",\"message\":\"<m>\"}"))
        .isZero();
    assertThat(out.toString(StandardCharsets.UTF_8))
        .isEqualTo("Subject: T\n\n--- text/plain ---\n<m>\n--- text/html ---\n<p>&lt;m&gt;</p>\n");
  }

  @Test
  void aBrokenTemplateIsReportedWithItsKeyAndLine() throws IOException {
    mountConfigMap("x.subject", "s", "x.html", "<p>\n{{#open}}\n</p>");

    assertThat(render("--templates", dir.toString(), "--template", "x")).isEqualTo(2);
    assertThat(err.toString(StandardCharsets.UTF_8)).startsWith("render: x.html line ");
    assertThat(out.size()).isZero();
  }

  @Test
  void badArgumentsPrintTheUsage() {
    assertThat(render("--data", "{}")).isEqualTo(2);
    assertThat(err.toString(StandardCharsets.UTF_8)).startsWith("usage: worker.jar render");
  }
}
