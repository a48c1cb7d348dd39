/** The one error the lab throws: a sentence a person can act on, plus any console tail. */
export class LabError extends Error {
  override name = "LabError";
}
