#include "staffeln/cli.h"

int main(int argc, char** argv) { return staffeln::cli::run(argc, argv); }
