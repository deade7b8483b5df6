package dev.pipelines.streaming.runner.run;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;

/** Temporary directories the commands that never keep a checkpoint ({@code spo preview}, {@code spo test}) leave nothing of. */
public final class ThrowAwayDirectories {
  private ThrowAwayDirectories() {}

  /** Deletes the directory and all in it; a few tries, as stopping queries may still be renaming files in it. */
  public static void deleteQuietly(Path dir) {
    for (int attempt = 0; attempt < 5 && Files.exists(dir); attempt++) {
      try (var paths = Files.walk(dir)) {
        for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(p);
        }
      } catch (IOException | UncheckedIOException e) {
        try {
          Thread.sleep(200);
        } catch (InterruptedException interrupted) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
  }
}
