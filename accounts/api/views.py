from django.contrib.auth import authenticate
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from accounts.api.serializers import MeSerializer, TokenRequestSerializer, TokenSerializer
from accounts.lockout import locked_out_message
from accounts.models import ApiToken
from accounts.tokens import token_issue, token_revoke
from config.api import ErrorSerializer


class TokenObtainApi(APIView):
    """Exchange a username and password for an API token (POST), or revoke the token the call
    is made with (DELETE)."""

    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "token"

    def _signing_in(self) -> bool:
        # The schema generator asks before it sets a request.
        return getattr(getattr(self, "request", None), "method", None) == "POST"

    def get_authenticators(self):
        # Signing in reads no credentials but the body; revoking needs the token it revokes.
        return [] if self._signing_in() else super().get_authenticators()

    def get_permissions(self):
        return [AllowAny()] if self._signing_in() else [IsAuthenticated()]

    @extend_schema(
        request=TokenRequestSerializer,
        responses={200: TokenSerializer, 400: ErrorSerializer, 429: ErrorSerializer},
        operation_id="auth_token",
        description="Each sign-in issues a new token, valid until `expiry` (`API_TOKEN_DAYS`, "
        "30 by default); changing the password or being deactivated revokes every token. Bad "
        "credentials are a 400; too many attempts (per address, or failed ones per username and "
        "address) a 429.",
    )
    def post(self, request):
        payload = TokenRequestSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        # The plain HttpRequest lets the lockout backend key failures by username and IP.
        user = authenticate(request._request, **payload.validated_data)
        if getattr(request._request, "axes_locked_out", False):
            return Response(
                {"message": locked_out_message(request._request)},
                status=status.HTTP_429_TOO_MANY_REQUESTS,
            )
        if user is None or not user.is_active:
            return Response(
                {"message": "Unable to sign in with those credentials."},
                status=status.HTTP_400_BAD_REQUEST,
            )
        token = token_issue(user=user, label=request.META.get("HTTP_USER_AGENT", ""))
        return Response(TokenSerializer({"token": token.key, "expiry": token.expires}).data)

    @extend_schema(
        request=None,
        responses={204: None, 400: ErrorSerializer, 401: ErrorSerializer},
        operation_id="auth_token_revoke",
        description="Revoke the token this request is made with; it authenticates nothing "
        "after. A call signed in by session rather than token is a 400.",
    )
    def delete(self, request):
        if not isinstance(request.auth, ApiToken):
            return Response(
                {"message": "Only a token can be revoked here: call with the token to revoke."},
                status=status.HTTP_400_BAD_REQUEST,
            )
        token_revoke(user=request.user, token_id=request.auth.pk)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeApi(APIView):
    @extend_schema(responses=MeSerializer)
    def get(self, request):
        return Response(MeSerializer(request.user).data)
