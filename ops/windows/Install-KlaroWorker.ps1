<#
.SYNOPSIS
    Installs one Windows service per Klaro worker slot (klaro-worker-1 … klaro-worker-N) with NSSM.

.DESCRIPTION
    - Creates C:\ProgramData\Klaro (Administrators and the service user only) with worker.toml.
    - Creates the host key if missing (klaro-worker keygen) and prints its public key and
      fingerprint for the operator (klaro hosts approve HOST).
    - Installs each slot as a service running
          python.exe -m klaro_worker slot --slot N --config C:\ProgramData\Klaro\worker.toml
      under a dedicated local user (the terminal it starts runs as that user too: MT5's IPC only
      attaches to a terminal of the same user), automatic start, restart on exit after 5 s,
      Ctrl+C on stop with up to 240 s for the current job to finish, log files rotated at 10 MB.
    The Redis URL (with this host's ACL password) is passed through the service environment
    (registry, readable by Administrators only), never on a command line.

    Needs NSSM (https://nssm.cc; winget install NSSM.NSSM, or choco install nssm) on PATH or
    given with -Nssm.

.EXAMPLE
    $password = Read-Host -AsSecureString 'password of .\klaro'
    .\Install-KlaroWorker.ps1 -HostId win-fra-01 -Slots 4 -RedisUrl 'redis://win-fra-01:…@10.64.0.10:6379/0' `
        -ServicePassword $password
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [ValidatePattern('^[a-z0-9][a-z0-9-]{0,62}$')] [string] $HostId,
    [Parameter(Mandatory)] [ValidateRange(1, 1024)] [int] $Slots,
    [Parameter(Mandatory)] [string] $RedisUrl,
    [Parameter(Mandatory)] [securestring] $ServicePassword,
    [string] $ServiceUser = 'klaro',
    [string] $Python = 'C:\Python311\python.exe',
    [string] $TerminalsDir = 'C:\Klaro\terminals',
    [string] $DataDir = 'C:\ProgramData\Klaro',
    [string] $Nssm = 'nssm.exe'
)
$ErrorActionPreference = 'Stop'

function Invoke-Nssm {
    & $Nssm @args | Out-Null
    # Name the command, service and setting only: later arguments can be the service account's
    # password (ObjectName) or the Redis URL with this host's password (AppEnvironmentExtra).
    if ($LASTEXITCODE -ne 0) { throw "nssm $($args[0..2] -join ' ') failed with exit code $LASTEXITCODE" }
}

if (-not (Get-Command $Nssm -ErrorAction SilentlyContinue)) {
    throw "NSSM not found: install it (winget install NSSM.NSSM) or pass -Nssm C:\path\nssm.exe"
}
& $Python -c "import klaro_worker, MetaTrader5" 2>$null
if ($LASTEXITCODE -ne 0) {
    throw "$Python lacks klaro_worker or MetaTrader5: run  $Python -m pip install MetaTrader5 <checkout>\worker"
}

# The service user: a plain local account, no interactive logon needed.
if (-not (Get-LocalUser -Name $ServiceUser -ErrorAction SilentlyContinue)) {
    New-LocalUser -Name $ServiceUser -Password $ServicePassword -PasswordNeverExpires `
        -UserMayNotChangePassword -Description 'Klaro worker slots and their MT5 terminals' | Out-Null
    Write-Host "created local user $ServiceUser"
}
$account = ".\$ServiceUser"

# Data folder: only Administrators, SYSTEM and the service user.
New-Item -ItemType Directory -Force -Path $DataDir, (Join-Path $DataDir 'logs') | Out-Null
& icacls.exe $DataDir /inheritance:r /grant:r 'Administrators:(OI)(CI)F' 'SYSTEM:(OI)(CI)F' `
    "${env:COMPUTERNAME}\${ServiceUser}:(OI)(CI)M" /Q | Out-Null

$keyFile = Join-Path $DataDir 'host.key'
if (-not (Test-Path $keyFile)) {
    & $Python -m klaro_worker keygen --out $keyFile
    if ($LASTEXITCODE -ne 0) { throw "keygen failed" }
    Write-Host 'give the public key and fingerprint above to the operator (klaro hosts approve)'
}
& icacls.exe $keyFile /inheritance:r /grant:r 'Administrators:F' "${env:COMPUTERNAME}\${ServiceUser}:R" /Q | Out-Null

$config = Join-Path $DataDir 'worker.toml'
@"
# Written by Install-KlaroWorker.ps1; shared by every slot (the slot number is on the command line).
[worker]
host_id = "$HostId"
slots_total = $Slots
key_file = '$keyFile'
backend = "metatrader5"
terminals_dir = '$TerminalsDir'
init_timeout_ms = 60000
log_level = "INFO"
"@ | Set-Content -Path $config -Encoding utf8

$plain = [Runtime.InteropServices.Marshal]::PtrToStringAuto(
    [Runtime.InteropServices.Marshal]::SecureStringToBSTR($ServicePassword))

foreach ($n in 1..$Slots) {
    $name = "klaro-worker-$n"
    if (Get-Service -Name $name -ErrorAction SilentlyContinue) {
        Stop-Service -Name $name -ErrorAction SilentlyContinue
        Invoke-Nssm remove $name confirm
    }
    Invoke-Nssm install $name $Python "-m klaro_worker slot --slot $n --config `"$config`""
    Invoke-Nssm set $name DisplayName "Klaro worker slot $n"
    Invoke-Nssm set $name Description "Drives MT5 terminal $TerminalsDir\slot-$n for klarod (protocol v1)"
    Invoke-Nssm set $name AppDirectory $DataDir
    Invoke-Nssm set $name AppEnvironmentExtra "KLARO_WORKER_REDIS_URL=$RedisUrl" 'PYTHONUNBUFFERED=1'
    Invoke-Nssm set $name ObjectName $account $plain
    Invoke-Nssm set $name Start SERVICE_AUTO_START
    Invoke-Nssm set $name AppStdout (Join-Path $DataDir "logs\slot-$n.log")
    Invoke-Nssm set $name AppStderr (Join-Path $DataDir "logs\slot-$n.log")
    Invoke-Nssm set $name AppRotateFiles 1
    Invoke-Nssm set $name AppRotateOnline 1
    Invoke-Nssm set $name AppRotateBytes 10485760
    # Stop: Ctrl+C first (the slot finishes its job, sends the result, shuts its terminal down).
    Invoke-Nssm set $name AppStopMethodConsole 240000
    Invoke-Nssm set $name AppStopMethodWindow 5000
    Invoke-Nssm set $name AppStopMethodThreads 5000
    Invoke-Nssm set $name AppKillProcessTree 1
    # Exit: restart after 5 s; a slot that dies within 30 s of starting is throttled by NSSM.
    Invoke-Nssm set $name AppExit Default Restart
    Invoke-Nssm set $name AppRestartDelay 5000
    Invoke-Nssm set $name AppThrottle 30000
    Start-Service -Name $name
    Write-Host "service $name installed and started"
}
$plain = $null
Get-Service -Name 'klaro-worker-*' | Format-Table -AutoSize Name, Status, StartType
