package dev.pipelines.streaming.operator.why;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code spo why NAME [-n NS] [--output DIR]}: why a pipeline on Kubernetes is not doing what
 * it should. Prints a diagnosis first, then the evidence ({@link Diagnosis#text()}); with
 * {@code --output}, writes every object and log it read into that folder. Uses the current
 * kubeconfig (or the pod's service account in a cluster) and needs only read access to the
 * pipeline's namespace; what it could not read is listed, not fatal.
 */
@Command(name = "why", mixinStandardHelpOptions = true,
    description = {"Says why a StreamingPipeline misbehaves: a diagnosis first (e.g. 'driver clicks-driver-3 exited 4"
        + " (another driver took the checkpoint Lease ...)'), then its status and conditions, every pod of the pipeline"
        + " (terminating ones too) with exit codes and termination messages, its Events, the checkpoint Lease, the"
        + " <name>-spec record and the operator's leader and log lines about it.",
        "Needs only read access to the pipeline's namespace; what it cannot read is listed at the end."},
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"0:the report was printed", "1:the pipeline does not exist or cannot be read", "2:the command line is wrong"})
public final class WhyCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "NAME", description = "The StreamingPipeline's name.")
  String name;

  @Option(names = {"-n", "--namespace"}, description = "Its namespace (default: the kubeconfig context's, else default).")
  String namespace;

  @Option(names = "--operator-namespace",
      description = "Where the operator runs (default: found by its pods' label in any namespace you may list).")
  String operatorNamespace;

  @Option(names = {"-o", "--output"}, paramLabel = "DIR",
      description = "Also write the report, every object read and the logs (the operator's whole log too) into DIR.")
  Path output;

  public static void main(String[] args) {
    System.exit(new CommandLine(new WhyCommand()).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    try (KubernetesClient client = new KubernetesClientBuilder().build()) {
      String ns = namespace != null ? namespace : client.getNamespace() != null ? client.getNamespace() : "default";
      Diagnosis diagnosis = Diagnosis.of(PipelineEvidence.read(client, ns, name, operatorNamespace));
      System.out.print(diagnosis.text());
      if (output != null) {
        diagnosis.write(output);
        System.out.println("\nwritten to " + output.toAbsolutePath());
      }
      if (!diagnosis.evidenceHasPipeline()) {
        System.err.println("spo why: asked the API server at " + client.getMasterUrl()
            + " (from KUBECONFIG, ~/.kube/config or the pod's service account)");
        return 1;
      }
      return 0;
    }
  }
}
