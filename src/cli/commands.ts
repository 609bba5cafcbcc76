import type { Command } from "commander";
import { registerDatasetsCommand } from "./datasets-command.js";
import { registerDoctorCommand } from "./doctor-command.js";
import { registerReportCommand } from "./report-command.js";
import { registerRescoreCommand } from "./rescore-command.js";
import { registerRunCommand } from "./run-command.js";
import { registerVerifyCommand } from "./verify-command.js";

/** Every subcommand registers itself here; one module per command. */
export function registerCommands(program: Command): void {
  registerDatasetsCommand(program);
  registerRunCommand(program);
  registerReportCommand(program);
  registerRescoreCommand(program);
  registerVerifyCommand(program);
  registerDoctorCommand(program);
}
