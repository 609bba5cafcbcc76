/** An artifact on disk that cannot be read back safely: exit ExitCode.damaged, naming the file and line. */
export class DamagedArtifactError extends Error {
  override readonly name = "DamagedArtifactError";
}
