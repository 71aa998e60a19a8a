#pragma once

namespace ca::cli {

int cmd_serve(int argc, char **argv);
int cmd_bench(int argc, char **argv);
int cmd_demo(int argc, char **argv);
int cmd_replay(int argc, char **argv);
int cmd_kb(int argc, char **argv);
int cmd_call(int argc, char **argv);
int cmd_store(int argc, char **argv);
int cmd_journal(int argc, char **argv);
int cmd_prompts(int argc, char **argv);
int cmd_chat(int argc, char **argv);

}  // namespace ca::cli
